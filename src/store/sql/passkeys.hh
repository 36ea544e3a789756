// Passkeys, their challenges, grants and browsers (store.hh PasskeyStore) in
// SQL that SQLite and PostgreSQL both take; a template over the connection,
// as store/sql/sessions.hh. What must hold across nodes is in single
// statements: a counter moves only from the value checked (a conditional
// UPDATE), and a challenge or a grant is taken by one DELETE (… RETURNING),
// so that two nodes answering with one challenge cannot both have it.
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
class SqlPasskeys final : public PasskeyStore {
public:
    explicit SqlPasskeys(Conn& db) : db_(db) {}
    std::optional<std::int64_t> add(const Passkey& passkey) override;
    std::vector<Passkey> list_for_user(std::int64_t user_id) override;
    std::optional<Passkey> find(std::string_view credential_id) override;
    bool rename(std::int64_t user_id, std::int64_t id, std::string_view name) override;
    bool remove(std::int64_t user_id, std::int64_t id) override;
    bool record_use(std::int64_t id, std::int64_t expected, std::int64_t fresh, std::int64_t now) override;
    void add_challenge(std::string_view challenge, const PasskeyChallenge& issued, std::int64_t expires_at) override;
    std::optional<PasskeyChallenge> take_challenge(std::string_view challenge, std::int64_t now) override;
    std::int64_t live_challenges_from(std::string_view client_net, std::int64_t now) override;
    std::string add_grant(std::int64_t user_id, std::int64_t session_id, std::int64_t expires_at) override;
    bool take_grant(std::string_view token, std::int64_t user_id, std::int64_t session_id, std::int64_t now) override;
    bool known_browser(std::int64_t user_id, std::string_view browser_digest) override;
    void remember_browser(std::int64_t user_id, std::string_view browser_digest, std::int64_t now) override;
    void purge(std::int64_t now) override;
    void forget_user(std::int64_t user_id) override;

private:
    static constexpr const char* kColumns =
        "id, user_id, credential_id, public_key, user_handle, sign_count, name, created_at, last_used_at";
    template <class Row>
    static Passkey row(const Row& q) {
        return Passkey{q.int64(0), q.int64(1), q.text(2), q.text(3), q.text(4), q.int64(5), q.text(6), q.int64(7),
                       q.is_null(8) ? 0 : q.int64(8)};
    }
    Conn& db_;
};


template <class Conn>
std::optional<std::int64_t> SqlPasskeys<Conn>::add(const Passkey& p) {
    auto q = db_.query(
        "INSERT INTO passkeys (user_id, credential_id, public_key, user_handle, sign_count, name, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (credential_id) DO NOTHING RETURNING id");
    q.bind(1, p.user_id).bind_blob(2, p.credential_id).bind_blob(3, p.public_key).bind_blob(4, p.user_handle);
    q.bind(5, p.sign_count).bind(6, p.name).bind(7, p.created_at);
    if (!q.step()) return std::nullopt;
    return q.int64(0);
}

template <class Conn>
std::vector<Passkey> SqlPasskeys<Conn>::list_for_user(std::int64_t user_id) {
    auto q = db_.query(std::string("SELECT ") + kColumns + " FROM passkeys WHERE user_id = ? ORDER BY created_at, id");
    q.bind(1, user_id);
    std::vector<Passkey> out;
    while (q.step()) out.push_back(row(q));
    return out;
}

template <class Conn>
std::optional<Passkey> SqlPasskeys<Conn>::find(std::string_view credential_id) {
    auto q = db_.query(std::string("SELECT ") + kColumns + " FROM passkeys WHERE credential_id = ?");
    q.bind_blob(1, credential_id);
    if (!q.step()) return std::nullopt;
    return row(q);
}

template <class Conn>
bool SqlPasskeys<Conn>::rename(std::int64_t user_id, std::int64_t id, std::string_view name) {
    db_.query("UPDATE passkeys SET name = ? WHERE id = ? AND user_id = ?").bind(1, name).bind(2, id).bind(3, user_id).exec();
    return db_.changes() == 1;
}

template <class Conn>
bool SqlPasskeys<Conn>::remove(std::int64_t user_id, std::int64_t id) {
    db_.query("DELETE FROM passkeys WHERE id = ? AND user_id = ?").bind(1, id).bind(2, user_id).exec();
    return db_.changes() == 1;
}

// Conditional on the counter read: of two assertions racing with one
// counter (on one node or two), one changes the row and the other finds
// the counter moved (on PostgreSQL it waits for the first's row lock, then
// sees the new value).
template <class Conn>
bool SqlPasskeys<Conn>::record_use(std::int64_t id, std::int64_t expected, std::int64_t fresh, std::int64_t now) {
    db_.query("UPDATE passkeys SET sign_count = ?, last_used_at = ? WHERE id = ? AND sign_count = ?")
        .bind(1, fresh)
        .bind(2, now)
        .bind(3, id)
        .bind(4, expected)
        .exec();
    return db_.changes() == 1;
}

template <class Conn>
void SqlPasskeys<Conn>::add_challenge(std::string_view challenge, const PasskeyChallenge& issued, std::int64_t expires_at) {
    auto q = db_.query(
        "INSERT INTO passkey_challenges (challenge_hash, purpose, browser_hash, user_id, session_id, expires_at, "
        "client_net) VALUES (?, ?, ?, ?, ?, ?, ?)");
    q.bind_blob(1, token_digest(challenge)).bind(2, issued.purpose).bind_blob(3, issued.browser_digest);
    q.bind(4, issued.user_id).bind(5, issued.session_id).bind(6, expires_at).bind(7, issued.client_net).exec();
}

template <class Conn>
std::int64_t SqlPasskeys<Conn>::live_challenges_from(std::string_view client_net, std::int64_t now) {
    // The count decides whether one more is added: writers from the network
    // take turns (PostgreSQL's READ COMMITTED would let them all count the
    // same; a no-op on SQLite, whose writers take turns anyway).
    db_.lock_key("passkey_challenges net " + std::string(client_net));
    auto q = db_.query("SELECT count(*) FROM passkey_challenges WHERE client_net = ? AND expires_at > ?");
    q.bind(1, client_net).bind(2, now);
    return q.step() ? q.int64(0) : 0;
}

// One DELETE … RETURNING: whoever deletes the row has the challenge, an
// expired one is deleted all the same (taken once, whatever the verdict).
template <class Conn>
std::optional<PasskeyChallenge> SqlPasskeys<Conn>::take_challenge(std::string_view challenge, std::int64_t now) {
    auto q = db_.query(
        "DELETE FROM passkey_challenges WHERE challenge_hash = ? "
        "RETURNING purpose, browser_hash, user_id, session_id, expires_at, client_net");
    q.bind_blob(1, token_digest(challenge));
    if (!q.step()) return std::nullopt;
    PasskeyChallenge c{q.text(0), q.text(1), q.int64(2), q.int64(3), q.text(5)};
    if (q.int64(4) <= now) return std::nullopt;
    return c;
}

template <class Conn>
std::string SqlPasskeys<Conn>::add_grant(std::int64_t user_id, std::int64_t session_id, std::int64_t expires_at) {
    std::string token = random_token(32);
    auto q = db_.query("INSERT INTO passkey_grants (token_hash, user_id, session_id, expires_at) VALUES (?, ?, ?, ?)");
    q.bind_blob(1, token_digest(token)).bind(2, user_id).bind(3, session_id).bind(4, expires_at).exec();
    return token;
}

template <class Conn>
bool SqlPasskeys<Conn>::take_grant(std::string_view token, std::int64_t user_id, std::int64_t session_id,
                                   std::int64_t now) {
    if (!looks_like_token(token)) return false;
    auto q = db_.query(
        "DELETE FROM passkey_grants WHERE token_hash = ? AND user_id = ? AND session_id = ? AND expires_at > ?");
    q.bind_blob(1, token_digest(token)).bind(2, user_id).bind(3, session_id).bind(4, now).exec();
    return db_.changes() == 1;
}

template <class Conn>
bool SqlPasskeys<Conn>::known_browser(std::int64_t user_id, std::string_view browser_digest) {
    auto q = db_.query("SELECT 1 FROM passkey_browsers WHERE user_id = ? AND browser_hash = ?");
    q.bind(1, user_id).bind_blob(2, browser_digest);
    return q.step();
}

template <class Conn>
void SqlPasskeys<Conn>::remember_browser(std::int64_t user_id, std::string_view browser_digest, std::int64_t now) {
    auto q = db_.query(
        "INSERT INTO passkey_browsers (user_id, browser_hash, last_at) VALUES (?, ?, ?) "
        "ON CONFLICT (user_id, browser_hash) DO UPDATE SET last_at = excluded.last_at");
    q.bind(1, user_id).bind_blob(2, browser_digest).bind(3, now).exec();
}

template <class Conn>
void SqlPasskeys<Conn>::purge(std::int64_t now) {
    db_.query("DELETE FROM passkey_challenges WHERE expires_at <= ?").bind(1, now).exec();
    db_.query("DELETE FROM passkey_grants WHERE expires_at <= ?").bind(1, now).exec();
}

template <class Conn>
void SqlPasskeys<Conn>::forget_user(std::int64_t user_id) {
    db_.query("DELETE FROM passkey_challenges WHERE user_id = ?").bind(1, user_id).exec();
}

}  // namespace auth
