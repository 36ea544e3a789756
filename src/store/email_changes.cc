#include "store/email_changes.hh"

#include "core/clock.hh"
#include "core/crypto.hh"
#include "store/db.hh"

namespace auth {

std::string EmailChangeStore::issue(std::int64_t user_id, std::string_view new_email) {
    void_all_for_user(user_id);
    std::string token = random_token(32);
    std::int64_t now = clock_.now();
    auto q = db_.query(
        "INSERT INTO email_changes (token_hash, user_id, new_email, created_at, expires_at) VALUES (?, ?, ?, ?, ?)");
    q.bind_blob(1, token_digest(token)).bind(2, user_id).bind(3, new_email).bind(4, now).bind(5, now + ttl_).exec();
    return token;
}

std::optional<PendingEmailChange> EmailChangeStore::pending(std::int64_t user_id) {
    auto q = db_.query(
        "SELECT new_email, created_at, expires_at FROM email_changes "
        "WHERE user_id = ? AND used_at IS NULL AND voided = 0 AND expires_at > ? "
        "ORDER BY created_at DESC, id DESC LIMIT 1");  // walks email_changes_user backwards, no sort
    q.bind(1, user_id).bind(2, clock_.now());
    if (!q.step()) return std::nullopt;
    return PendingEmailChange{q.text(0), q.int64(1), q.int64(2)};
}

EmailChangeCheck EmailChangeStore::check(std::string_view token) {
    if (!looks_like_token(token)) return {TokenState::Malformed, 0, ""};
    auto q = db_.query("SELECT user_id, new_email, expires_at, used_at, voided FROM email_changes WHERE token_hash = ?");
    q.bind_blob(1, token_digest(token));
    if (!q.step()) return {TokenState::Unknown, 0, ""};
    EmailChangeCheck c{TokenState::Valid, q.int64(0), q.text(1)};
    if (q.int64(4) != 0)
        c.state = TokenState::Superseded;
    else if (!q.is_null(3))
        c.state = TokenState::Used;
    else if (q.int64(2) <= clock_.now())
        c.state = TokenState::Expired;
    return c;
}

EmailChangeOutcome EmailChangeStore::confirm(std::string_view token) {
    EmailChangeOutcome out;
    EmailChangeCheck c = check(token);
    out.state = c.state;
    out.user_id = c.user_id;
    out.new_email = c.new_email;
    if (c.state != TokenState::Valid) return out;

    std::string digest = token_digest(token);
    std::int64_t now = clock_.now();
    {
        auto who = db_.query("SELECT email FROM users WHERE id = ?");
        who.bind(1, c.user_id);
        if (!who.step()) {
            out.state = TokenState::Unknown;
            return out;
        }
        out.old_email = who.text(0);
    }
    auto use = db_.query(
        "UPDATE email_changes SET used_at = ? WHERE token_hash = ? AND used_at IS NULL AND voided = 0 AND expires_at > ?");
    use.bind(1, now).bind_blob(2, digest).bind(3, now).exec();
    if (db_.changes() != 1) {
        out.state = TokenState::Used;
        return out;
    }
    bool taken = false;
    {
        auto other = db_.query("SELECT 1 FROM users WHERE email = ? AND id != ?");
        other.bind(1, c.new_email).bind(2, c.user_id);
        taken = other.step();
    }
    if (!taken) {
        try {
            auto change = db_.query("UPDATE users SET email = ?, updated_at = ? WHERE id = ?");
            change.bind(1, c.new_email).bind(2, now).bind(3, c.user_id).exec();
        } catch (const DbError& e) {
            if (!e.unique_violation()) throw;
            taken = true;
        }
    }
    if (taken) {
        auto v = db_.query("UPDATE email_changes SET used_at = NULL, voided = 1 WHERE token_hash = ?");
        v.bind_blob(1, digest).exec();
        out.result = EmailChangeResult::Taken;
        return out;
    }
    void_all_for_user(c.user_id);  // any older link of the account (none, normally)
    out.result = EmailChangeResult::Changed;
    return out;
}

void EmailChangeStore::void_all_for_user(std::int64_t user_id) {
    auto q = db_.query("UPDATE email_changes SET voided = 1 WHERE user_id = ? AND used_at IS NULL AND voided = 0");
    q.bind(1, user_id).exec();
}

std::int64_t EmailChangeStore::issued_since(std::int64_t user_id, std::int64_t since) {
    auto q = db_.query("SELECT count(*) FROM email_changes WHERE user_id = ? AND created_at > ?");
    q.bind(1, user_id).bind(2, since);
    q.step();
    return q.int64(0);
}

void EmailChangeStore::purge_old() {
    auto q = db_.query("DELETE FROM email_changes WHERE expires_at < ?");
    q.bind(1, clock_.now() - 7 * 24 * 3600).exec();
}

}  // namespace auth
