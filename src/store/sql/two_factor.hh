// Two-step login (store.hh TwoFactorStore) in SQL that SQLite and PostgreSQL
// both take; a template over the connection, as store/sql/sessions.hh.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/crypto.hh"
#include "store/store.hh"

namespace auth {

template <class Conn>
class SqlTwoFactor final : public TwoFactorStore {
public:
    explicit SqlTwoFactor(Conn& db) : db_(db) {}
    std::optional<TwoFactorState> active(std::int64_t user_id) override;
    void set_setup(std::int64_t user_id, const SealedSecret& secret) override;
    std::optional<SealedSecret> setup(std::int64_t user_id) override;
    void enable(std::int64_t user_id, const SealedSecret& secret, std::int64_t step, std::int64_t now) override;
    void disable(std::int64_t user_id) override;
    bool use_step(std::int64_t user_id, std::int64_t step) override;
    void replace_recovery_codes(std::int64_t user_id, const std::vector<std::string>& digests) override;
    bool use_recovery_code(std::int64_t user_id, std::string_view digest, std::int64_t now) override;
    std::int64_t recovery_codes_left(std::int64_t user_id) override;
    std::string create_pending_login(std::int64_t user_id, std::string_view browser_digest, std::int64_t session_epoch,
                                     std::int64_t expires_at) override;
    std::optional<PendingLogin> pending_login(std::string_view token, std::int64_t now) override;
    void end_pending_login(std::int64_t id) override;
    void purge(std::int64_t now, std::int64_t setup_before) override;

private:
    Conn& db_;
};


template <class Conn>
std::optional<TwoFactorState> SqlTwoFactor<Conn>::active(std::int64_t user_id) {
    auto q = db_.query("SELECT nonce, secret, enabled_at, last_step FROM two_factor WHERE user_id = ? AND secret IS NOT NULL");
    q.bind(1, user_id);
    if (!q.step()) return std::nullopt;
    return TwoFactorState{{q.text(0), q.text(1), q.int64(2), 0}, q.int64(2), q.int64(3)};
}

template <class Conn>
void SqlTwoFactor<Conn>::set_setup(std::int64_t user_id, const SealedSecret& secret) {
    auto q = db_.query(
        "INSERT INTO two_factor (user_id, setup_nonce, setup_secret, setup_at, setup_session) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT (user_id) DO UPDATE SET setup_nonce = excluded.setup_nonce, setup_secret = excluded.setup_secret, "
        "setup_at = excluded.setup_at, setup_session = excluded.setup_session");
    q.bind(1, user_id).bind_blob(2, secret.nonce).bind_blob(3, secret.sealed).bind(4, secret.created_at);
    q.bind(5, secret.session_id).exec();
}

template <class Conn>
std::optional<SealedSecret> SqlTwoFactor<Conn>::setup(std::int64_t user_id) {
    auto q = db_.query(
        "SELECT setup_nonce, setup_secret, setup_at, setup_session FROM two_factor "
        "WHERE user_id = ? AND setup_secret IS NOT NULL");
    q.bind(1, user_id);
    if (!q.step()) return std::nullopt;
    return SealedSecret{q.text(0), q.text(1), q.int64(2), q.is_null(3) ? 0 : q.int64(3)};
}

template <class Conn>
void SqlTwoFactor<Conn>::enable(std::int64_t user_id, const SealedSecret& secret, std::int64_t step, std::int64_t now) {
    auto q = db_.query(
        "INSERT INTO two_factor (user_id, nonce, secret, enabled_at, last_step) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT (user_id) DO UPDATE SET nonce = excluded.nonce, secret = excluded.secret, "
        "enabled_at = excluded.enabled_at, last_step = excluded.last_step, "
        "setup_nonce = NULL, setup_secret = NULL, setup_at = NULL, setup_session = NULL");
    q.bind(1, user_id).bind_blob(2, secret.nonce).bind_blob(3, secret.sealed).bind(4, now).bind(5, step).exec();
}

template <class Conn>
void SqlTwoFactor<Conn>::disable(std::int64_t user_id) {
    db_.query("DELETE FROM two_factor WHERE user_id = ?").bind(1, user_id).exec();
    db_.query("DELETE FROM recovery_codes WHERE user_id = ?").bind(1, user_id).exec();
    db_.query("DELETE FROM pending_logins WHERE user_id = ?").bind(1, user_id).exec();
}

template <class Conn>
bool SqlTwoFactor<Conn>::use_step(std::int64_t user_id, std::int64_t step) {
    auto q = db_.query("UPDATE two_factor SET last_step = ? WHERE user_id = ? AND secret IS NOT NULL AND last_step < ?");
    q.bind(1, step).bind(2, user_id).bind(3, step).exec();
    return db_.changes() == 1;
}

template <class Conn>
void SqlTwoFactor<Conn>::replace_recovery_codes(std::int64_t user_id, const std::vector<std::string>& digests) {
    db_.query("DELETE FROM recovery_codes WHERE user_id = ?").bind(1, user_id).exec();
    for (const std::string& d : digests)
        db_.query("INSERT INTO recovery_codes (user_id, code_hash) VALUES (?, ?)").bind(1, user_id).bind_blob(2, d).exec();
}

// `AND used_at IS NULL` again outside: a request that waited for another's
// lock on the row sees it used once that one commits, and changes nothing.
template <class Conn>
bool SqlTwoFactor<Conn>::use_recovery_code(std::int64_t user_id, std::string_view digest, std::int64_t now) {
    auto q = db_.query(
        "UPDATE recovery_codes SET used_at = ? WHERE id = (SELECT id FROM recovery_codes "
        "WHERE user_id = ? AND code_hash = ? AND used_at IS NULL LIMIT 1) AND used_at IS NULL");
    q.bind(1, now).bind(2, user_id).bind_blob(3, digest).exec();
    return db_.changes() == 1;
}

template <class Conn>
std::int64_t SqlTwoFactor<Conn>::recovery_codes_left(std::int64_t user_id) {
    auto q = db_.query("SELECT count(*) FROM recovery_codes WHERE user_id = ? AND used_at IS NULL");
    q.bind(1, user_id);
    q.step();
    return q.int64(0);
}

template <class Conn>
std::string SqlTwoFactor<Conn>::create_pending_login(std::int64_t user_id, std::string_view browser_digest,
                                                  std::int64_t session_epoch, std::int64_t expires_at) {
    std::string token = random_token(32);
    auto q = db_.query(
        "INSERT INTO pending_logins (token_hash, user_id, browser_hash, session_epoch, expires_at) VALUES (?, ?, ?, ?, ?)");
    q.bind_blob(1, token_digest(token)).bind(2, user_id).bind_blob(3, browser_digest).bind(4, session_epoch);
    q.bind(5, expires_at).exec();
    return token;
}

template <class Conn>
std::optional<PendingLogin> SqlTwoFactor<Conn>::pending_login(std::string_view token, std::int64_t now) {
    if (!looks_like_token(token)) return std::nullopt;
    auto q = db_.query(
        "SELECT id, user_id, browser_hash, session_epoch, expires_at FROM pending_logins "
        "WHERE token_hash = ? AND expires_at > ?");
    q.bind_blob(1, token_digest(token)).bind(2, now);
    if (!q.step()) return std::nullopt;
    return PendingLogin{q.int64(0), q.int64(1), q.text(2), q.int64(3), q.int64(4)};
}

template <class Conn>
void SqlTwoFactor<Conn>::end_pending_login(std::int64_t id) {
    db_.query("DELETE FROM pending_logins WHERE id = ?").bind(1, id).exec();
}

template <class Conn>
void SqlTwoFactor<Conn>::purge(std::int64_t now, std::int64_t setup_before) {
    db_.query("DELETE FROM pending_logins WHERE expires_at <= ?").bind(1, now).exec();
    db_.query("UPDATE two_factor SET setup_nonce = NULL, setup_secret = NULL, setup_at = NULL WHERE setup_at < ?")
        .bind(1, setup_before)
        .exec();
    db_.query("DELETE FROM two_factor WHERE secret IS NULL AND setup_secret IS NULL").exec();
}

}  // namespace auth
