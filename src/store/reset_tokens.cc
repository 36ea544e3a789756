#include "store/reset_tokens.hh"

#include "core/clock.hh"
#include "core/crypto.hh"
#include "store/db.hh"

namespace auth {

std::string ResetTokenStore::issue(std::int64_t user_id) {
    void_all_for_user(user_id);
    std::string token = random_token(32);
    std::int64_t now = clock_.now();
    auto q = db_.query("INSERT INTO reset_tokens (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)");
    q.bind_blob(1, token_digest(token)).bind(2, user_id).bind(3, now).bind(4, now + ttl_).exec();
    return token;
}

TokenCheck ResetTokenStore::check(std::string_view token) {
    if (!looks_like_token(token)) return {TokenState::Malformed, 0};
    auto q = db_.query("SELECT user_id, expires_at, used_at, voided FROM reset_tokens WHERE token_hash = ?");
    q.bind_blob(1, token_digest(token));
    if (!q.step()) return {TokenState::Unknown, 0};
    TokenCheck c{TokenState::Valid, q.int64(0)};
    if (q.int64(3) != 0)
        c.state = TokenState::Superseded;
    else if (!q.is_null(2))
        c.state = TokenState::Used;
    else if (q.int64(1) <= clock_.now())
        c.state = TokenState::Expired;
    return c;
}

std::optional<std::int64_t> ResetTokenStore::consume(std::string_view token) {
    if (!looks_like_token(token)) return std::nullopt;
    std::string digest = token_digest(token);
    std::int64_t now = clock_.now();
    auto q = db_.query(
        "UPDATE reset_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL AND voided = 0 AND expires_at > ?");
    q.bind(1, now).bind_blob(2, digest).bind(3, now).exec();
    if (db_.changes() != 1) return std::nullopt;
    auto s = db_.query("SELECT user_id FROM reset_tokens WHERE token_hash = ?");
    s.bind_blob(1, digest);
    if (!s.step()) return std::nullopt;
    return s.int64(0);
}

void ResetTokenStore::void_all_for_user(std::int64_t user_id) {
    auto q = db_.query("UPDATE reset_tokens SET voided = 1 WHERE user_id = ? AND used_at IS NULL AND voided = 0");
    q.bind(1, user_id).exec();
}

std::int64_t ResetTokenStore::issued_since(std::int64_t user_id, std::int64_t since) {
    auto q = db_.query("SELECT count(*) FROM reset_tokens WHERE user_id = ? AND created_at > ?");
    q.bind(1, user_id).bind(2, since);
    q.step();
    return q.int64(0);
}

void ResetTokenStore::purge_old() {
    auto q = db_.query("DELETE FROM reset_tokens WHERE expires_at < ?");
    q.bind(1, clock_.now() - 7 * 24 * 3600).exec();
}

}  // namespace auth
