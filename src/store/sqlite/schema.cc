#include "store/sqlite/schema.hh"

#include <string>

#include "store/sqlite/db.hh"

namespace auth {

namespace {

// Append only: never edit a migration that has shipped.
const char* const kMigrations[] = {
    // 1: users, sessions, login throttling, reset tokens, settings.
    R"sql(
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL COLLATE NOCASE UNIQUE,
    name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    password_changed_at INTEGER NOT NULL
);
CREATE TABLE sessions (
    id INTEGER PRIMARY KEY,
    token_hash BLOB NOT NULL UNIQUE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    last_seen INTEGER NOT NULL,
    client_ip TEXT NOT NULL DEFAULT '',
    user_agent TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions(user_id);
CREATE TABLE login_failures (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL,
    client_ip TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX login_failures_email ON login_failures(email, at);
CREATE INDEX login_failures_ip ON login_failures(client_ip, at);
CREATE TABLE reset_tokens (
    id INTEGER PRIMARY KEY,
    token_hash BLOB NOT NULL UNIQUE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER
);
CREATE INDEX reset_tokens_user ON reset_tokens(user_id);
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
)sql",
    // 2: the outbox (mail written in the request, sent after the response),
    // superseded reset tokens, and reset requests for rate limiting.
    R"sql(
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    sender TEXT NOT NULL,
    recipient TEXT NOT NULL,
    nonce BLOB NOT NULL,
    ciphertext BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    claimed_until INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX outbox_due ON outbox(next_attempt_at);
ALTER TABLE reset_tokens ADD COLUMN voided INTEGER NOT NULL DEFAULT 0;
CREATE TABLE reset_requests (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL,
    client_ip TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX reset_requests_email ON reset_requests(email, at);
CREATE INDEX reset_requests_ip ON reset_requests(client_ip, at);
)sql",
    // 3: profile pictures (the file name in PICTURE_DIR) and email-address
    // changes waiting for their confirmation link.
    R"sql(
ALTER TABLE users ADD COLUMN picture TEXT;
CREATE TABLE email_changes (
    id INTEGER PRIMARY KEY,
    token_hash BLOB NOT NULL UNIQUE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    new_email TEXT NOT NULL COLLATE NOCASE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER,
    voided INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX email_changes_user ON email_changes(user_id, created_at);
)sql",
    // 4: indexes for housekeeping, which deletes expired rows: without them
    // it scanned every session while holding the write lock (./dev bench,
    // 1,000,000 sessions: 477 req/s and p99 2.3 s, with them 7876 and 7 ms).
    R"sql(
CREATE INDEX sessions_last_seen ON sessions(last_seen);
CREATE INDEX sessions_created_at ON sessions(created_at);
CREATE INDEX login_failures_at ON login_failures(at);
CREATE INDEX reset_requests_at ON reset_requests(at);
)sql",
    // 5: the session epoch of an account, raised whenever its sessions are
    // ended wholesale (new password, reset, "log out other sessions", new
    // address): a login that checked the password before that commits
    // sees it changed and makes no session. Session ids are never reused
    // (AUTOINCREMENT): an id kept from earlier in a request, or shown in the
    // list of sessions, names that session and no later one.
    R"sql(
ALTER TABLE users ADD COLUMN session_epoch INTEGER NOT NULL DEFAULT 0;
CREATE TABLE sessions_v5 (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash BLOB NOT NULL UNIQUE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    last_seen INTEGER NOT NULL,
    client_ip TEXT NOT NULL DEFAULT '',
    user_agent TEXT NOT NULL DEFAULT ''
);
INSERT INTO sessions_v5 (id, token_hash, user_id, created_at, last_seen, client_ip, user_agent)
    SELECT id, token_hash, user_id, created_at, last_seen, client_ip, user_agent FROM sessions;
DROP TABLE sessions;
ALTER TABLE sessions_v5 RENAME TO sessions;
CREATE INDEX sessions_user ON sessions(user_id);
CREATE INDEX sessions_last_seen ON sessions(last_seen);
CREATE INDEX sessions_created_at ON sessions(created_at);
)sql",
    // 6: a fair outbox: links (priority 0) before notices (1), and a count
    // of the mails to each address in the last hour (MAIL_MAX_PER_HOUR).
    R"sql(
ALTER TABLE outbox ADD COLUMN priority INTEGER NOT NULL DEFAULT 1;
CREATE INDEX outbox_recipient ON outbox(recipient);
CREATE TABLE mail_counts (
    recipient TEXT NOT NULL COLLATE NOCASE,
    at INTEGER NOT NULL,
    link INTEGER NOT NULL,  -- 1: a link, or a request that looks like one (no mail went)
    queued INTEGER NOT NULL -- 1: a mail was queued
);
CREATE INDEX mail_counts_recipient ON mail_counts(recipient, at);
CREATE INDEX mail_counts_at ON mail_counts(at);
)sql",
    // 7: sign-up confirmed by mail. A registration waits in `signups`
    // (name, address, password hash) until its link is opened; only then
    // does the account exist. Once a link is used, void or expired, the
    // row keeps only what explains the link's page (its digest, times and
    // state): the name, address and hash are cleared. Every registration
    // and resend is counted in `signup_requests` (the limits per client
    // address and per address and client). A registration for an address
    // that has an account keeps a decoy row (no link is mailed for it), so
    // that a login with the password typed then answers as it would for a
    // new address. Existing accounts count as confirmed.
    R"sql(
CREATE TABLE signups (
    id INTEGER PRIMARY KEY,
    token_hash BLOB NOT NULL UNIQUE,
    email TEXT NOT NULL COLLATE NOCASE,
    name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER,
    voided INTEGER NOT NULL DEFAULT 0,
    decoy INTEGER NOT NULL DEFAULT 0  -- 1: for an address that has an account; no link was mailed
);
CREATE INDEX signups_email ON signups(email, created_at);
CREATE INDEX signups_expires_at ON signups(expires_at);
CREATE TABLE signup_requests (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL COLLATE NOCASE,
    client_ip TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX signup_requests_email ON signup_requests(email, client_ip, at);
CREATE INDEX signup_requests_ip ON signup_requests(client_ip, at);
CREATE INDEX signup_requests_at ON signup_requests(at);
ALTER TABLE users ADD COLUMN confirmed_at INTEGER;
UPDATE users SET confirmed_at = created_at;
)sql",
    // 8: two-step login (TOTP). The secret is sealed by the account service
    // (AEAD under a key derived from SECRET_KEY); the one being set up waits
    // beside it until a code from the app confirms it. last_step: the last
    // time step whose code was accepted, so no code is accepted twice.
    // Recovery codes and pending logins (password step done, code step to
    // come) are kept as digests.
    R"sql(
CREATE TABLE two_factor (
    user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    nonce BLOB,
    secret BLOB,
    enabled_at INTEGER,
    last_step INTEGER NOT NULL DEFAULT 0,
    setup_nonce BLOB,
    setup_secret BLOB,
    setup_at INTEGER,
    setup_session INTEGER  -- the session that started the set-up: only it sees the key and confirms
);
CREATE TABLE recovery_codes (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    code_hash BLOB NOT NULL,
    used_at INTEGER
);
CREATE INDEX recovery_codes_user ON recovery_codes(user_id, code_hash);
CREATE TABLE pending_logins (
    id INTEGER PRIMARY KEY,
    token_hash BLOB NOT NULL UNIQUE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    browser_hash BLOB NOT NULL,
    session_epoch INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX pending_logins_user ON pending_logins(user_id);
CREATE INDEX pending_logins_expires ON pending_logins(expires_at);
)sql",
    // 9: failed confirmations of mailed links by client address (an IPv6
    // client by its /64), for the limit on guessing them.
    R"sql(
CREATE TABLE link_failures (
    client_ip TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX link_failures_client ON link_failures(client_ip, at);
CREATE INDEX link_failures_at ON link_failures(at);
)sql",
    // 10: the security event log. One row per event: when (UTC seconds),
    // the request it came from, what happened and how it ended, the
    // account (none for an unknown address), the client address and the
    // browser family (a word from a fixed list), who acted when it was not
    // the person (an administrator), and a short detail. No foreign key to
    // users: the deletion of an account is kept, with only its id.
    R"sql(
CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    request_id TEXT NOT NULL DEFAULT '',
    name TEXT NOT NULL,
    outcome TEXT NOT NULL,
    user_id INTEGER,
    client_ip TEXT NOT NULL DEFAULT '',
    browser TEXT NOT NULL DEFAULT '',
    actor TEXT NOT NULL DEFAULT '',
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX events_user ON events(user_id, at);
CREATE INDEX events_at ON events(at);
CREATE INDEX events_name ON events(name, at);
)sql",
    // 11: passkeys (issue 15).
    // passkeys: one row per WebAuthn credential (id and COSE key as the
    // authenticator made them, the user handle it hands back, the counter).
    // passkey_challenges: 32 random bytes each, kept as a digest, taken
    // once, bound to the browser (the digest of its CSRF cookie secret).
    // passkey_grants: a passkey step-up's one-time answer for the form
    // that asked for a code. passkey_browsers: browsers an account has
    // logged in from with a passkey. sessions.passkey: made by a passkey login.
    R"sql(
CREATE TABLE passkeys (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    credential_id BLOB NOT NULL UNIQUE,
    public_key BLOB NOT NULL,
    user_handle BLOB NOT NULL,
    sign_count INTEGER NOT NULL,
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_used_at INTEGER
);
CREATE INDEX passkeys_user ON passkeys(user_id);
CREATE TABLE passkey_challenges (
    challenge_hash BLOB PRIMARY KEY,
    purpose TEXT NOT NULL,
    browser_hash BLOB NOT NULL,
    user_id INTEGER NOT NULL,
    session_id INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX passkey_challenges_expires ON passkey_challenges(expires_at);
CREATE TABLE passkey_grants (
    token_hash BLOB PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    session_id INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE TABLE passkey_browsers (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    browser_hash BLOB NOT NULL,
    last_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, browser_hash)
);
ALTER TABLE sessions ADD COLUMN passkey INTEGER NOT NULL DEFAULT 0;
)sql",
    // 12: an account locked by an administrator (since when; NULL: not
    // locked). A locked account logs in nowhere and its sessions are refused.
    R"sql(
ALTER TABLE users ADD COLUMN locked_at INTEGER;
)sql",
};

constexpr int kCount = static_cast<int>(sizeof kMigrations / sizeof kMigrations[0]);

}  // namespace

int latest_schema_version() { return kCount; }

int schema_version(Db& db) {
    auto q = db.query("PRAGMA user_version");
    q.step();
    return static_cast<int>(q.int64(0));
}

void migrate(Db& db) {
    if (schema_version(db) == kCount) return;
    Transaction tx(db);
    int version = schema_version(db);  // again, now that we hold the write lock
    if (version > kCount)
        throw DbError("database schema version " + std::to_string(version) + " is newer than this program (" +
                          std::to_string(kCount) + ")",
                      0);
    for (int v = version; v < kCount; ++v) db.run(kMigrations[v]);
    if (version != kCount) db.run(("PRAGMA user_version=" + std::to_string(kCount)).c_str());
    tx.commit();
}

}  // namespace auth
