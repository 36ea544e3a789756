#include "core/clock.hh"
#include "core/crypto.hh"
#include "store/sqlite/stores.hh"

namespace auth {

namespace {

constexpr std::int64_t kKeepAfterExpiry = 7 * 24 * 3600;

// What a link's row keeps once it can no longer make an account: nothing
// that names the person or opens their account.
constexpr const char* kForget = "email = '', name = '', password_hash = ''";

}  // namespace

std::string SqliteSignups::add(std::string_view email, std::string_view name, std::string_view password_hash,
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

SignupCheck SqliteSignups::check(std::string_view token) {
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

std::optional<PendingSignup> SqliteSignups::consume(std::string_view token) {
    SignupCheck c = check(token);
    if (c.state != TokenState::Valid) return std::nullopt;
    std::int64_t now = clock_.now();
    // One conditional update: of any number of racing requests, one wins.
    auto q = db_.query(std::string("UPDATE signups SET used_at = ?, ") + kForget +
                       " WHERE token_hash = ? AND used_at IS NULL AND voided = 0 AND expires_at > ?");
    q.bind(1, now).bind_blob(2, token_digest(token)).bind(3, now).exec();
    if (db_.changes() != 1) return std::nullopt;
    return c.signup;
}

std::optional<PendingSignup> SqliteSignups::pending(std::string_view email) {
    auto q = db_.query(
        "SELECT email, name, password_hash, created_at, expires_at, decoy FROM signups "
        "WHERE email = ? AND used_at IS NULL AND voided = 0 AND expires_at > ? ORDER BY created_at DESC, id DESC LIMIT 1");
    q.bind(1, email).bind(2, clock_.now());
    if (!q.step()) return std::nullopt;
    return PendingSignup{q.text(0), q.text(1), q.text(2), q.int64(3), q.int64(4), q.int64(5) != 0};
}

void SqliteSignups::void_all_for(std::string_view email) {
    auto q = db_.query(std::string("UPDATE signups SET voided = 1, ") + kForget +
                       " WHERE email = ? AND used_at IS NULL AND voided = 0");
    q.bind(1, email).exec();
}

void SqliteSignups::record_request(std::string_view email, std::string_view client_ip, std::int64_t now) {
    auto q = db_.query("INSERT INTO signup_requests (email, client_ip, at) VALUES (?, ?, ?)");
    q.bind(1, email).bind(2, client_ip.substr(0, 64)).bind(3, now).exec();
}

std::int64_t SqliteSignups::requests_from(std::string_view client_ip, std::int64_t since) {
    auto q = db_.query("SELECT count(*) FROM signup_requests WHERE client_ip = ? AND at > ?");
    q.bind(1, client_ip.substr(0, 64)).bind(2, since);
    q.step();
    return q.int64(0);
}

std::int64_t SqliteSignups::requests_for(std::string_view email, std::string_view client_ip, std::int64_t since) {
    auto q = db_.query("SELECT count(*) FROM signup_requests WHERE email = ? AND client_ip = ? AND at > ?");
    q.bind(1, email).bind(2, client_ip.substr(0, 64)).bind(3, since);
    q.step();
    return q.int64(0);
}

void SqliteSignups::purge_old() {
    std::int64_t now = clock_.now();
    db_.query(std::string("UPDATE signups SET ") + kForget + " WHERE expires_at <= ? AND password_hash != ''")
        .bind(1, now)
        .exec();
    db_.query("DELETE FROM signups WHERE expires_at < ?").bind(1, now - kKeepAfterExpiry).exec();
    db_.query("DELETE FROM signup_requests WHERE at <= ?").bind(1, now - 3600).exec();
}

void SqliteSignups::forget(std::string_view email) {
    db_.query("DELETE FROM signups WHERE email = ?").bind(1, email).exec();
    db_.query("DELETE FROM signup_requests WHERE email = ?").bind(1, email).exec();
}

}  // namespace auth
