#include "core/clock.hh"
#include "core/crypto.hh"
#include "store/postgres/stores.hh"

namespace auth {

namespace {
constexpr std::int64_t kKeepAfterExpiry = 7 * 24 * 3600;
}

PgTokens::PgTokens(PgConn& db, const Clock& clock, Table table, std::int64_t ttl)
    : db_(db), clock_(clock), ttl_(ttl), has_payload_(table.payload_column != nullptr) {
    const std::string t = table.name;
    const std::string payload = table.payload_column ? table.payload_column : "''";
    insert_ = table.payload_column
                  ? "INSERT INTO " + t + " (token_hash, user_id, created_at, expires_at, " + payload + ") VALUES (?, ?, ?, ?, ?)"
                  : "INSERT INTO " + t + " (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)";
    select_ = "SELECT user_id, " + payload + ", created_at, expires_at, used_at, voided FROM " + t + " WHERE token_hash = ?";
    consume_ = "UPDATE " + t + " SET used_at = ? WHERE token_hash = ? AND used_at IS NULL AND voided = 0 AND expires_at > ?";
    void_one_ = "UPDATE " + t + " SET voided = 1 WHERE token_hash = ?";
    void_all_ = "UPDATE " + t + " SET voided = 1 WHERE user_id = ? AND used_at IS NULL AND voided = 0";
    issued_since_ = "SELECT count(*) FROM " + t + " WHERE user_id = ? AND created_at > ?";
    // Newest first along the (user_id, ...) index, no sort.
    pending_ = "SELECT user_id, " + payload + ", created_at, expires_at FROM " + t +
               " WHERE user_id = ? AND used_at IS NULL AND voided = 0 AND expires_at > ? ORDER BY created_at DESC, id DESC LIMIT 1";
    purge_ = "DELETE FROM " + t + " WHERE expires_at < ?";
}

std::string PgTokens::issue(std::int64_t user_id, std::string_view payload) {
    void_all_for_user(user_id);
    std::string token = random_token(32);
    std::int64_t now = clock_.now();
    auto q = db_.query(insert_);
    q.bind_blob(1, token_digest(token)).bind(2, user_id).bind(3, now).bind(4, now + ttl_);
    if (has_payload_) q.bind(5, payload);
    q.exec();
    return token;
}

TokenCheck PgTokens::check(std::string_view token) {
    if (!looks_like_token(token)) return TokenCheck{TokenState::Malformed, 0, "", 0, 0};
    auto q = db_.query(select_);
    q.bind_blob(1, token_digest(token));
    if (!q.step()) return TokenCheck{TokenState::Unknown, 0, "", 0, 0};
    TokenCheck c{TokenState::Valid, q.int64(0), q.text(1), q.int64(2), q.int64(3)};
    if (q.int64(5) != 0)
        c.state = TokenState::Superseded;
    else if (!q.is_null(4))
        c.state = TokenState::Used;
    else if (c.expires_at <= clock_.now())
        c.state = TokenState::Expired;
    return c;
}

std::optional<TokenCheck> PgTokens::consume(std::string_view token) {
    if (!looks_like_token(token)) return std::nullopt;
    std::string digest = token_digest(token);
    std::int64_t now = clock_.now();
    {
        auto q = db_.query(consume_);
        q.bind(1, now).bind_blob(2, digest).bind(3, now).exec();
    }
    if (db_.changes() != 1) return std::nullopt;
    TokenCheck c = check(token);
    c.state = TokenState::Valid;  // it was, until this request used it
    return c;
}

void PgTokens::void_token(std::string_view token) {
    if (!looks_like_token(token)) return;
    db_.query(void_one_).bind_blob(1, token_digest(token)).exec();
}

void PgTokens::void_all_for_user(std::int64_t user_id) { db_.query(void_all_).bind(1, user_id).exec(); }

std::int64_t PgTokens::issued_since(std::int64_t user_id, std::int64_t since) {
    auto q = db_.query(issued_since_);
    q.bind(1, user_id).bind(2, since);
    q.step();
    return q.int64(0);
}

std::optional<TokenCheck> PgTokens::pending(std::int64_t user_id) {
    auto q = db_.query(pending_);
    q.bind(1, user_id).bind(2, clock_.now());
    if (!q.step()) return std::nullopt;
    return TokenCheck{TokenState::Valid, q.int64(0), q.text(1), q.int64(2), q.int64(3)};
}

void PgTokens::purge_old() { db_.query(purge_).bind(1, clock_.now() - kKeepAfterExpiry).exec(); }

}  // namespace auth
