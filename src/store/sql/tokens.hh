// Single-use links (store.hh TokenStore) in SQL that SQLite and PostgreSQL both
// take; a template over the connection, as store/sql/sessions.hh. Used by one
// conditional UPDATE, which exactly one of any number of racing requests
// wins on either database (PostgreSQL re-checks the WHERE after a row lock).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hh"
#include "core/crypto.hh"
#include "store/store.hh"

namespace auth {

// One implementation for every table of single-use tokens: reset_tokens
// (no payload) and email_changes (the new address as payload). Both tables
// have token_hash, user_id, created_at, expires_at, used_at and voided.
template <class Conn>
class SqlTokens final : public TokenStore {
public:
    struct Table {
        const char* name;            // "reset_tokens"
        const char* payload_column;  // "new_email", or nullptr for none
    };
    SqlTokens(Conn& db, const Clock& clock, Table table, std::int64_t ttl);
    std::string issue(std::int64_t user_id, std::string_view payload = {}) override;
    TokenCheck check(std::string_view token) override;
    std::optional<TokenCheck> consume(std::string_view token) override;
    void void_token(std::string_view token) override;
    void void_all_for_user(std::int64_t user_id) override;
    std::int64_t issued_since(std::int64_t user_id, std::int64_t since) override;
    std::optional<TokenCheck> pending(std::int64_t user_id) override;
    void purge_old() override;
    std::int64_t ttl() const override { return ttl_; }

private:
    Conn& db_;
    const Clock& clock_;
    std::int64_t ttl_;
    bool has_payload_;
    // The statements for this table, built once from its name.
    std::string insert_, select_, consume_, void_one_, void_all_, issued_since_, pending_, purge_;
};


namespace sql_detail {
inline constexpr std::int64_t kKeepAfterExpiry = 7 * 24 * 3600;
}  // namespace sql_detail

template <class Conn>
SqlTokens<Conn>::SqlTokens(Conn& db, const Clock& clock, Table table, std::int64_t ttl)
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

template <class Conn>
std::string SqlTokens<Conn>::issue(std::int64_t user_id, std::string_view payload) {
    void_all_for_user(user_id);
    std::string token = random_token(32);
    std::int64_t now = clock_.now();
    auto q = db_.query(insert_);
    q.bind_blob(1, token_digest(token)).bind(2, user_id).bind(3, now).bind(4, now + ttl_);
    if (has_payload_) q.bind(5, payload);
    q.exec();
    return token;
}

template <class Conn>
TokenCheck SqlTokens<Conn>::check(std::string_view token) {
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

template <class Conn>
std::optional<TokenCheck> SqlTokens<Conn>::consume(std::string_view token) {
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

template <class Conn>
void SqlTokens<Conn>::void_token(std::string_view token) {
    if (!looks_like_token(token)) return;
    db_.query(void_one_).bind_blob(1, token_digest(token)).exec();
}

template <class Conn>
void SqlTokens<Conn>::void_all_for_user(std::int64_t user_id) { db_.query(void_all_).bind(1, user_id).exec(); }

template <class Conn>
std::int64_t SqlTokens<Conn>::issued_since(std::int64_t user_id, std::int64_t since) {
    auto q = db_.query(issued_since_);
    q.bind(1, user_id).bind(2, since);
    q.step();
    return q.int64(0);
}

template <class Conn>
std::optional<TokenCheck> SqlTokens<Conn>::pending(std::int64_t user_id) {
    auto q = db_.query(pending_);
    q.bind(1, user_id).bind(2, clock_.now());
    if (!q.step()) return std::nullopt;
    return TokenCheck{TokenState::Valid, q.int64(0), q.text(1), q.int64(2), q.int64(3)};
}

template <class Conn>
void SqlTokens<Conn>::purge_old() { db_.query(purge_).bind(1, clock_.now() - sql_detail::kKeepAfterExpiry).exec(); }

}  // namespace auth
