// Registrations waiting for their link (store.hh SignupStore) in SQL that
// SQLite and PostgreSQL both take; a template over the connection, as
// store/sql/sessions.hh. Where they differ the connection says:
// Conn::caseless_eq (an address compared without regard to ASCII case) and
// lock_key (a no-op on SQLite).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hh"
#include "core/crypto.hh"
#include "core/validate.hh"
#include "store/sql/tokens.hh"
#include "store/store.hh"

namespace auth {

template <class Conn>
class SqlSignups final : public SignupStore {
public:
    SqlSignups(Conn& db, const Clock& clock, std::int64_t ttl) : db_(db), clock_(clock), ttl_(ttl) {}
    std::string add(std::string_view email, std::string_view name, std::string_view password_hash,
                    std::optional<std::int64_t> expires_at = std::nullopt, bool decoy = false) override;
    SignupCheck check(std::string_view token) override;
    std::optional<PendingSignup> consume(std::string_view token) override;
    std::optional<PendingSignup> pending(std::string_view email) override;
    void void_all_for(std::string_view email) override;
    void record_request(std::string_view email, std::string_view client_ip, std::int64_t now) override;
    std::int64_t requests_from(std::string_view client_ip, std::int64_t since) override;
    std::int64_t requests_for(std::string_view email, std::string_view client_ip, std::int64_t since) override;
    void purge_old() override;
    void forget(std::string_view email) override;
    std::int64_t ttl() const override { return ttl_; }

private:
    Conn& db_;
    const Clock& clock_;
    std::int64_t ttl_;
};


namespace sql_detail {


// What a link's row keeps once it can no longer make an account: nothing
// that names the person or opens their account.
inline constexpr const char* kForget = "email = '', name = '', password_hash = ''";

}  // namespace sql_detail

template <class Conn>
std::string SqlSignups<Conn>::add(std::string_view email, std::string_view name, std::string_view password_hash,
                               std::optional<std::int64_t> expires_at, bool decoy) {
    void_all_for(email);
    std::string token = random_token(32);
    std::int64_t now = clock_.now();
    auto q = db_.query(
        "INSERT INTO signups (token_hash, email, name, password_hash, created_at, expires_at, decoy) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)");
    q.bind_blob(1, token_digest(token)).bind(2, email).bind(3, name).bind(4, password_hash).bind(5, now);
    q.bind(6, expires_at.value_or(now + ttl_)).bind(7, decoy ? 1 : 0);
    q.exec();
    return token;
}

template <class Conn>
SignupCheck SqlSignups<Conn>::check(std::string_view token) {
    SignupCheck c;
    if (!looks_like_token(token)) {
        c.state = TokenState::Malformed;
        return c;
    }
    auto q = db_.query(
        "SELECT email, name, password_hash, created_at, expires_at, used_at, voided FROM signups WHERE token_hash = ?");
    q.bind_blob(1, token_digest(token));
    if (!q.step()) return c;  // Unknown
    c.signup = PendingSignup{q.text(0), q.text(1), q.text(2), q.int64(3), q.int64(4), false};
    if (q.int64(6) != 0)
        c.state = TokenState::Superseded;
    else if (!q.is_null(5))
        c.state = TokenState::Used;
    else if (c.signup.expires_at <= clock_.now())
        c.state = TokenState::Expired;
    else
        c.state = TokenState::Valid;
    if (c.state != TokenState::Valid) c.signup = PendingSignup{"", "", "", c.signup.created_at, c.signup.expires_at, false};
    return c;
}

template <class Conn>
std::optional<PendingSignup> SqlSignups<Conn>::consume(std::string_view token) {
    SignupCheck c = check(token);
    if (c.state != TokenState::Valid) return std::nullopt;
    std::int64_t now = clock_.now();
    // One conditional update: of any number of racing requests, one wins.
    auto q = db_.query(std::string("UPDATE signups SET used_at = ?, ") + sql_detail::kForget +
                       " WHERE token_hash = ? AND used_at IS NULL AND voided = 0 AND expires_at > ?");
    q.bind(1, now).bind_blob(2, token_digest(token)).bind(3, now).exec();
    if (db_.changes() != 1) return std::nullopt;
    return c.signup;
}

template <class Conn>
std::optional<PendingSignup> SqlSignups<Conn>::pending(std::string_view email) {
    static const std::string sql = "SELECT email, name, password_hash, created_at, expires_at, decoy FROM signups WHERE " +
                                   Conn::caseless_eq("email") +
                                   " AND used_at IS NULL AND voided = 0 AND expires_at > ? ORDER BY created_at DESC, id DESC LIMIT 1";
    auto q = db_.query(sql);
    q.bind(1, email).bind(2, clock_.now());
    if (!q.step()) return std::nullopt;
    return PendingSignup{q.text(0), q.text(1), q.text(2), q.int64(3), q.int64(4), q.int64(5) != 0};
}

template <class Conn>
void SqlSignups<Conn>::void_all_for(std::string_view email) {
    static const std::string sql = std::string("UPDATE signups SET voided = 1, ") + sql_detail::kForget + " WHERE " +
                                   Conn::caseless_eq("email") + " AND used_at IS NULL AND voided = 0";
    auto q = db_.query(sql);
    q.bind(1, email).exec();
}

template <class Conn>
void SqlSignups<Conn>::record_request(std::string_view email, std::string_view client_ip, std::int64_t now) {
    auto q = db_.query("INSERT INTO signup_requests (email, client_ip, at) VALUES (?, ?, ?)");
    q.bind(1, email).bind(2, client_ip.substr(0, 64)).bind(3, now).exec();
}

// The limits count, then record one more, in one write transaction. SQLite's
// writers take turns anyway; on PostgreSQL the count first takes a lock on
// its key, held to the commit, so requests from one client (or for one
// address) take turns across nodes.
template <class Conn>
std::int64_t SqlSignups<Conn>::requests_from(std::string_view client_ip, std::int64_t since) {
    db_.lock_key("signup_requests client " + std::string(client_ip.substr(0, 64)));
    auto q = db_.query("SELECT count(*) FROM signup_requests WHERE client_ip = ? AND at > ?");
    q.bind(1, client_ip.substr(0, 64)).bind(2, since);
    q.step();
    return q.int64(0);
}

template <class Conn>
std::int64_t SqlSignups<Conn>::requests_for(std::string_view email, std::string_view client_ip, std::int64_t since) {
    db_.lock_key("signup_requests address " + std::string(client_ip.substr(0, 64)) + " " + ascii_lower(email));
    static const std::string sql =
        "SELECT count(*) FROM signup_requests WHERE " + Conn::caseless_eq("email") + " AND client_ip = ? AND at > ?";
    auto q = db_.query(sql);
    q.bind(1, email).bind(2, client_ip.substr(0, 64)).bind(3, since);
    q.step();
    return q.int64(0);
}

template <class Conn>
void SqlSignups<Conn>::purge_old() {
    std::int64_t now = clock_.now();
    db_.query(std::string("UPDATE signups SET ") + sql_detail::kForget + " WHERE expires_at <= ? AND password_hash != ''")
        .bind(1, now)
        .exec();
    db_.query("DELETE FROM signups WHERE expires_at < ?").bind(1, now - sql_detail::kKeepAfterExpiry).exec();
    db_.query("DELETE FROM signup_requests WHERE at <= ?").bind(1, now - 3600).exec();
}

template <class Conn>
void SqlSignups<Conn>::forget(std::string_view email) {
    static const std::string signups = "DELETE FROM signups WHERE " + Conn::caseless_eq("email");
    static const std::string requests = "DELETE FROM signup_requests WHERE " + Conn::caseless_eq("email");
    db_.query(signups).bind(1, email).exec();
    db_.query(requests).bind(1, email).exec();
}

}  // namespace auth
