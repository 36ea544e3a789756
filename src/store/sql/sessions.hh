// Logged-in sessions (store.hh SessionStore) in SQL that SQLite and PostgreSQL
// both take: one class template over the connection (store/sqlite/db.hh Db,
// store/postgres/conn.hh PgConn), instantiated by each store.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <algorithm>
#include "core/clock.hh"
#include "core/crypto.hh"
#include "store/store.hh"

namespace auth {

template <class Conn>
class SqlSessions final : public SessionStore {
public:
    SqlSessions(Conn& db, const Clock& clock, std::int64_t idle_timeout, std::int64_t absolute_timeout)
        : db_(db), clock_(clock), idle_(idle_timeout), absolute_(absolute_timeout) {}
    std::string create(std::int64_t user_id, std::string_view client_ip, std::string_view user_agent,
                       bool passkey = false) override;
    std::optional<LiveSession> lookup(std::string_view token) override;
    void destroy(std::string_view token) override;
    void destroy_all_for_user(std::int64_t user_id, std::optional<std::int64_t> keep = std::nullopt) override;
    bool destroy_for_user(std::int64_t user_id, std::int64_t session_id) override;
    std::vector<SessionInfo> list_for_user(std::int64_t user_id) override;
    void purge_expired() override;

private:
    Conn& db_;
    const Clock& clock_;
    std::int64_t idle_;
    std::int64_t absolute_;
};


template <class Conn>
std::string SqlSessions<Conn>::create(std::int64_t user_id, std::string_view client_ip, std::string_view user_agent,
                                      bool passkey) {
    std::string token = random_token(32);
    std::int64_t now = clock_.now();
    auto q = db_.query(
        "INSERT INTO sessions (token_hash, user_id, created_at, last_seen, client_ip, user_agent, passkey) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)");
    q.bind_blob(1, token_digest(token)).bind(2, user_id).bind(3, now).bind(4, now);
    q.bind(5, client_ip.substr(0, 64)).bind(6, user_agent.substr(0, 256)).bind(7, std::int64_t{passkey});
    q.exec();
    return token;
}

template <class Conn>
std::optional<LiveSession> SqlSessions<Conn>::lookup(std::string_view token) {
    if (!looks_like_token(token)) return std::nullopt;
    std::string digest = token_digest(token);
    std::int64_t now = clock_.now();
    LiveSession live;
    {
        // One statement, so one read transaction: the session, its account,
        // whether two-step login is on (as TwoFactorStore::active) and the
        // newest email change link still usable (as TokenStore::pending on
        // email_changes, newest first along its (user_id, created_at) index:
        // the session and the account are one row, so the ORDER BY needs no
        // sort), which the profile page shows; they were two statements more.
        auto q = db_.query(
            "SELECT s.id, s.user_id, s.created_at, s.last_seen, "
            "u.email, u.name, u.password_hash, u.created_at, u.picture, u.password_changed_at, u.session_epoch, "
            "u.confirmed_at, u.locked_at, "
            "EXISTS (SELECT 1 FROM two_factor f WHERE f.user_id = u.id AND f.secret IS NOT NULL), "
            "e.new_email, e.expires_at "
            "FROM sessions s JOIN users u ON u.id = s.user_id "
            "LEFT JOIN email_changes e ON e.user_id = u.id AND e.used_at IS NULL AND e.voided = 0 AND e.expires_at > ? "
            "WHERE s.token_hash = ? ORDER BY e.created_at DESC, e.id DESC LIMIT 1");
        q.bind(1, now).bind_blob(2, digest);
        if (!q.step()) return std::nullopt;
        static_cast<Session&>(live) = Session{q.int64(0), q.int64(1), q.int64(2), q.int64(3)};
        live.user = User{live.user_id, q.text(4), q.text(5), q.text(6), q.int64(7), q.is_null(8) ? std::string() : q.text(8),
                         q.int64(9), q.int64(10), q.is_null(11) ? 0 : q.int64(11), q.is_null(12) ? 0 : q.int64(12)};
        live.two_factor_on = q.int64(13) != 0;
        if (!q.is_null(14)) live.pending_email_change = PendingEmailChange{q.text(14), q.int64(15)};
    }
    const Session& s = live;
    const User& u = live.user;
    // A session made before the account's last password change is dead,
    // whatever raced to create it; so is every session of a locked account.
    if (s.created_at < u.password_changed_at || u.locked() || now - s.last_seen >= idle_ || now - s.created_at >= absolute_) {
        auto d = db_.query("DELETE FROM sessions WHERE id = ?");
        d.bind(1, s.id).exec();
        return std::nullopt;
    }
    std::int64_t touch_every = std::min<std::int64_t>(60, std::max<std::int64_t>(1, idle_ / 2));
    if (now - s.last_seen >= touch_every) {
        auto t = db_.query("UPDATE sessions SET last_seen = ? WHERE id = ?");
        t.bind(1, now).bind(2, s.id).exec();
        live.last_seen = now;
    }
    return live;
}

template <class Conn>
void SqlSessions<Conn>::destroy(std::string_view token) {
    if (!looks_like_token(token)) return;
    auto q = db_.query("DELETE FROM sessions WHERE token_hash = ?");
    q.bind_blob(1, token_digest(token)).exec();
}

template <class Conn>
void SqlSessions<Conn>::destroy_all_for_user(std::int64_t user_id, std::optional<std::int64_t> keep) {
    auto q = db_.query("DELETE FROM sessions WHERE user_id = ? AND id != ?");
    q.bind(1, user_id).bind(2, keep.value_or(-1)).exec();
}

template <class Conn>
std::vector<SessionInfo> SqlSessions<Conn>::list_for_user(std::int64_t user_id) {
    std::int64_t now = clock_.now();
    auto q = db_.query(
        "SELECT id, created_at, last_seen, client_ip, user_agent, passkey FROM sessions "
        "WHERE user_id = ? AND last_seen > ? AND created_at > ? ORDER BY last_seen DESC, id DESC");
    q.bind(1, user_id).bind(2, now - idle_).bind(3, now - absolute_);
    std::vector<SessionInfo> out;
    while (q.step()) out.push_back(SessionInfo{q.int64(0), q.int64(1), q.int64(2), q.text(3), q.text(4), q.int64(5) != 0});
    return out;
}

template <class Conn>
bool SqlSessions<Conn>::destroy_for_user(std::int64_t user_id, std::int64_t session_id) {
    auto q = db_.query("DELETE FROM sessions WHERE id = ? AND user_id = ?");
    q.bind(1, session_id).bind(2, user_id).exec();
    return db_.changes() == 1;
}

template <class Conn>
void SqlSessions<Conn>::purge_expired() {
    std::int64_t now = clock_.now();
    auto q = db_.query("DELETE FROM sessions WHERE last_seen <= ? OR created_at <= ?");
    q.bind(1, now - idle_).bind(2, now - absolute_).exec();
}

}  // namespace auth
