#include "core/crypto.hh"
#include "store/sqlite/stores.hh"

namespace auth {

namespace {

constexpr const char* kColumns =
    "id, user_id, credential_id, public_key, user_handle, sign_count, name, created_at, last_used_at";

Passkey row(const Statement& q) {
    return Passkey{q.int64(0), q.int64(1), q.text(2), q.text(3), q.text(4), q.int64(5), q.text(6), q.int64(7),
                   q.is_null(8) ? 0 : q.int64(8)};
}

}  // namespace

std::optional<std::int64_t> SqlitePasskeys::add(const Passkey& p) {
    auto q = db_.query(
        "INSERT INTO passkeys (user_id, credential_id, public_key, user_handle, sign_count, name, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (credential_id) DO NOTHING");
    q.bind(1, p.user_id).bind_blob(2, p.credential_id).bind_blob(3, p.public_key).bind_blob(4, p.user_handle);
    q.bind(5, p.sign_count).bind(6, p.name).bind(7, p.created_at).exec();
    if (db_.changes() != 1) return std::nullopt;
    return db_.last_insert_rowid();
}

std::vector<Passkey> SqlitePasskeys::list_for_user(std::int64_t user_id) {
    auto q = db_.query(std::string("SELECT ") + kColumns + " FROM passkeys WHERE user_id = ? ORDER BY created_at, id");
    q.bind(1, user_id);
    std::vector<Passkey> out;
    while (q.step()) out.push_back(row(q));
    return out;
}

std::optional<Passkey> SqlitePasskeys::find(std::string_view credential_id) {
    auto q = db_.query(std::string("SELECT ") + kColumns + " FROM passkeys WHERE credential_id = ?");
    q.bind_blob(1, credential_id);
    if (!q.step()) return std::nullopt;
    return row(q);
}

bool SqlitePasskeys::rename(std::int64_t user_id, std::int64_t id, std::string_view name) {
    db_.query("UPDATE passkeys SET name = ? WHERE id = ? AND user_id = ?").bind(1, name).bind(2, id).bind(3, user_id).exec();
    return db_.changes() == 1;
}

bool SqlitePasskeys::remove(std::int64_t user_id, std::int64_t id) {
    db_.query("DELETE FROM passkeys WHERE id = ? AND user_id = ?").bind(1, id).bind(2, user_id).exec();
    return db_.changes() == 1;
}

bool SqlitePasskeys::record_use(std::int64_t id, std::int64_t expected, std::int64_t fresh, std::int64_t now) {
    db_.query("UPDATE passkeys SET sign_count = ?, last_used_at = ? WHERE id = ? AND sign_count = ?")
        .bind(1, fresh)
        .bind(2, now)
        .bind(3, id)
        .bind(4, expected)
        .exec();
    return db_.changes() == 1;
}

void SqlitePasskeys::add_challenge(std::string_view challenge, const PasskeyChallenge& issued, std::int64_t expires_at) {
    auto q = db_.query(
        "INSERT INTO passkey_challenges (challenge_hash, purpose, browser_hash, user_id, session_id, expires_at) "
        "VALUES (?, ?, ?, ?, ?, ?)");
    q.bind_blob(1, token_digest(challenge)).bind(2, issued.purpose).bind_blob(3, issued.browser_digest);
    q.bind(4, issued.user_id).bind(5, issued.session_id).bind(6, expires_at).exec();
}

std::optional<PasskeyChallenge> SqlitePasskeys::take_challenge(std::string_view challenge, std::int64_t now) {
    // Called inside a write transaction: the read and the delete are one step.
    std::string digest = token_digest(challenge);
    PasskeyChallenge c;
    std::int64_t expires_at = 0;
    {
        auto q = db_.query(
            "SELECT purpose, browser_hash, user_id, session_id, expires_at FROM passkey_challenges "
            "WHERE challenge_hash = ?");
        q.bind_blob(1, digest);
        if (!q.step()) return std::nullopt;
        c = PasskeyChallenge{q.text(0), q.text(1), q.int64(2), q.int64(3)};
        expires_at = q.int64(4);
    }
    db_.query("DELETE FROM passkey_challenges WHERE challenge_hash = ?").bind_blob(1, digest).exec();
    if (db_.changes() != 1 || expires_at <= now) return std::nullopt;
    return c;
}

std::string SqlitePasskeys::add_grant(std::int64_t user_id, std::int64_t session_id, std::int64_t expires_at) {
    std::string token = random_token(32);
    auto q = db_.query("INSERT INTO passkey_grants (token_hash, user_id, session_id, expires_at) VALUES (?, ?, ?, ?)");
    q.bind_blob(1, token_digest(token)).bind(2, user_id).bind(3, session_id).bind(4, expires_at).exec();
    return token;
}

bool SqlitePasskeys::take_grant(std::string_view token, std::int64_t user_id, std::int64_t now) {
    if (!looks_like_token(token)) return false;
    auto q = db_.query("DELETE FROM passkey_grants WHERE token_hash = ? AND user_id = ? AND expires_at > ?");
    q.bind_blob(1, token_digest(token)).bind(2, user_id).bind(3, now).exec();
    return db_.changes() == 1;
}

bool SqlitePasskeys::known_browser(std::int64_t user_id, std::string_view browser_digest) {
    auto q = db_.query("SELECT 1 FROM passkey_browsers WHERE user_id = ? AND browser_hash = ?");
    q.bind(1, user_id).bind_blob(2, browser_digest);
    return q.step();
}

void SqlitePasskeys::remember_browser(std::int64_t user_id, std::string_view browser_digest, std::int64_t now) {
    auto q = db_.query(
        "INSERT INTO passkey_browsers (user_id, browser_hash, last_at) VALUES (?, ?, ?) "
        "ON CONFLICT (user_id, browser_hash) DO UPDATE SET last_at = excluded.last_at");
    q.bind(1, user_id).bind_blob(2, browser_digest).bind(3, now).exec();
}

void SqlitePasskeys::purge(std::int64_t now) {
    db_.query("DELETE FROM passkey_challenges WHERE expires_at <= ?").bind(1, now).exec();
    db_.query("DELETE FROM passkey_grants WHERE expires_at <= ?").bind(1, now).exec();
}

void SqlitePasskeys::forget_user(std::int64_t user_id) {
    db_.query("DELETE FROM passkey_challenges WHERE user_id = ?").bind(1, user_id).exec();
}

}  // namespace auth
