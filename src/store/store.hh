// What the site keeps, as interfaces: the account service and the pages see
// only these, never a database. Each store owns its tables and writes no
// other store's. SQLite implements them (store/sqlite/); another database
// can implement them too, without a change above this layer.
//
// Every change that must hold together runs inside one write transaction
// (Store::begin_write): on SQLite that is BEGIN IMMEDIATE, which makes
// writers take turns, so a read inside it sees the state it will change. On
// PostgreSQL (store/postgres/), where writers on several machines run at
// once, the stores get the same from row locks and constraints: a read of
// an account inside a write transaction locks its row (FOR UPDATE), a count
// that decides whether to record one more (the throttle, the sign-up
// limits) first takes a lock on its key, single-use links are used by one
// conditional UPDATE, a taken address is a unique index.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace auth {

struct User {
    std::int64_t id = 0;
    std::string email;
    std::string name;
    std::string password_hash;
    std::int64_t created_at = 0;
    std::string picture;  // file name in PICTURE_DIR, "" for none
    std::int64_t password_changed_at = 0;
    // Raised each time the account's sessions are ended wholesale.
    std::int64_t session_epoch = 0;
    std::int64_t confirmed_at = 0;  // when its address was shown to be its own; 0: never (an account made without confirmation)
    std::int64_t locked_at = 0;     // locked by an administrator since then; 0: not locked
    bool locked() const { return locked_at != 0; }
};

// Accounts. Emails are stored normalised (see normalize_email) and compared
// without regard to ASCII case, so two spellings of one address are one
// account and a concurrent second registration fails cleanly.
class UserStore {
public:
    virtual ~UserStore() = default;
    virtual std::optional<User> find_by_email(std::string_view email) = 0;
    virtual std::optional<User> find_by_id(std::int64_t id) = 0;
    // The new user's id, or nullopt if the email is taken.
    virtual std::optional<std::int64_t> create(std::string_view email, std::string_view name,
                                               std::string_view password_hash, std::int64_t now) = 0;
    virtual void update_name(std::int64_t id, std::string_view name, std::int64_t now) = 0;
    // A new password: password_changed_at becomes `now`, the session epoch rises.
    virtual void set_password_hash(std::int64_t id, std::string_view password_hash, std::int64_t now) = 0;
    // Raises the session epoch: a login verified before this makes no session.
    virtual void bump_session_epoch(std::int64_t id) = 0;
    // The same password at a new cost (rehash at login), only if the stored
    // hash is still `expected`; password_changed_at stays. False if it changed.
    virtual bool replace_hash_if(std::int64_t id, std::string_view fresh, std::string_view expected) = 0;
    // The address was shown to be the account's (its link was opened).
    virtual void set_confirmed(std::int64_t id, std::int64_t now) = 0;
    // False (and nothing changed) if another account has the address. The
    // new address counts as confirmed (its link was opened).
    virtual bool set_email(std::int64_t id, std::string_view email, std::int64_t now) = 0;
    // Makes `name` ("" for none) the user's picture; returns the one it replaces.
    virtual std::string set_picture(std::int64_t id, std::string_view name) = 0;
    // Every picture file name some account uses.
    virtual std::vector<std::string> pictures_in_use() = 0;
    // Locks the account at `at` (nullopt: unlocks it). A locked account
    // logs in nowhere and its sessions are refused (SessionStore::lookup).
    virtual void set_locked(std::int64_t id, std::optional<std::int64_t> at) = 0;
    // Accounts whose address or name contains `text` (any ASCII case),
    // the exact address first, then by id; at most `limit`.
    virtual std::vector<User> search(std::string_view text, std::int64_t limit) = 0;
    // Deletes the account's row; the rows that name it go with it (sessions,
    // links, two-step login: ON DELETE CASCADE, or their stores' own
    // forget functions). False if there was none.
    virtual bool remove(std::int64_t id) = 0;
};

struct Session {
    std::int64_t id = 0;
    std::int64_t user_id = 0;
    std::int64_t created_at = 0;
    std::int64_t last_seen = 0;
};

// An email change waiting for its link to be opened: the new address and
// when the link stops working.
struct PendingEmailChange {
    std::string address;
    std::int64_t expires_at = 0;
};

// A live session and the account it belongs to, with what the logged-in
// pages show of the account besides (read with it, in the same statement).
struct LiveSession : Session {
    User user;
    bool two_factor_on = false;                              // two-step login is on
    std::optional<PendingEmailChange> pending_email_change;  // the newest live email change link
};

// A session as its owner sees it in their list.
struct SessionInfo {
    std::int64_t id = 0;
    std::int64_t created_at = 0;
    std::int64_t last_seen = 0;
    std::string client_ip;   // at login
    std::string user_agent;  // at login, up to 256 bytes
    bool passkey = false;    // logged in with a passkey
};

// Logged-in sessions. The browser holds a 256-bit random token; the store
// keeps only its digest, so a copied database opens no session. A session
// ends at logout, after the idle timeout without a request, after the
// absolute timeout, and when the account's password changes: one made
// before the last password change is never accepted.
class SessionStore {
public:
    virtual ~SessionStore() = default;
    // A new session; returns the token for the cookie. `passkey`: made by a
    // passkey login (the session list says so).
    virtual std::string create(std::int64_t user_id, std::string_view client_ip, std::string_view user_agent,
                               bool passkey = false) = 0;
    // The live session for a token with its account, whether two-step login
    // is on and the pending email change, read in one statement (every
    // request of a logged-in visitor asks this), refreshing last_seen when
    // due; an expired one is deleted and nullopt returned.
    virtual std::optional<LiveSession> lookup(std::string_view token) = 0;
    virtual void destroy(std::string_view token) = 0;
    // Ends every session of the user except `keep` (a session id), if given.
    virtual void destroy_all_for_user(std::int64_t user_id, std::optional<std::int64_t> keep = std::nullopt) = 0;
    // Ends one session of the user; false if the user has no such session.
    virtual bool destroy_for_user(std::int64_t user_id, std::int64_t session_id) = 0;
    // The user's live sessions, most recently seen first.
    virtual std::vector<SessionInfo> list_for_user(std::int64_t user_id) = 0;
    // Deletes expired rows; cheap, called now and then.
    virtual void purge_expired() = 0;
};

// Failed logins (and wrong current passwords), by email and by client
// address, inside a sliding window. A failure is reserved before the
// password is verified and taken back when it was right, so that any number
// of simultaneous attempts verifies at most the limit.
class ThrottleStore {
public:
    virtual ~ThrottleStore() = default;
    // When the n-th most recent failure (n >= 1) after `since` happened, for
    // the email (any case) or from the address; nullopt if there are fewer.
    virtual std::optional<std::int64_t> nth_failure_for_email(std::string_view email, std::int64_t since, std::int64_t n) = 0;
    virtual std::optional<std::int64_t> nth_failure_from(std::string_view client_ip, std::int64_t since, std::int64_t n) = 0;
    // Records one failure at `now`; returns its id (to take it back).
    virtual std::int64_t record(std::string_view email, std::string_view client_ip, std::int64_t now) = 0;
    virtual void take_back(std::int64_t id) = 0;
    // Forgets every failure for the email (a reset succeeded).
    virtual void clear(std::string_view email) = 0;
    // Forgets the failures for the email up to and with `id` (a later
    // record always has a larger id): a login succeeded.
    virtual void clear_up_to(std::string_view email, std::int64_t id) = 0;
    virtual void purge_before(std::int64_t t) = 0;
};

// Requests for a reset link, known addresses or not (rate limits).
class ResetRequestStore {
public:
    virtual ~ResetRequestStore() = default;
    virtual void record(std::string_view email, std::string_view client_ip, std::int64_t now) = 0;
    virtual std::int64_t count_from(std::string_view client_ip, std::int64_t since) = 0;
    virtual void purge_before(std::int64_t t) = 0;
    // Deletes every request for the address (its account is deleted).
    virtual void forget(std::string_view email) = 0;
};

// Failed confirmations of mailed links (unknown, damaged, expired, used),
// by the client address that tried them: a limit on guessing links.
class LinkFailureStore {
public:
    virtual ~LinkFailureStore() = default;
    virtual void record(std::string_view client_ip, std::int64_t now) = 0;
    // When the n-th most recent failure (n >= 1) after `since` from the
    // address happened; nullopt if there are fewer.
    virtual std::optional<std::int64_t> nth_failure_from(std::string_view client_ip, std::int64_t since, std::int64_t n) = 0;
    virtual void purge_before(std::int64_t t) = 0;
};

enum class TokenState { Valid, Malformed, Unknown, Used, Superseded, Expired };

struct TokenCheck {
    TokenState state = TokenState::Unknown;
    std::int64_t user_id = 0;
    std::string payload;  // what the token is for (the new address of an email change)
    std::int64_t created_at = 0;
    std::int64_t expires_at = 0;
};

// Single-use links mailed to a person (password reset, email change): 256
// random bits, kept only as a digest, valid for the store's TTL, usable once;
// issuing a new one for the account voids the older ones, and so can the
// account service (a password change voids them all). Consuming is one
// conditional update that succeeds for exactly one request, however many race.
class TokenStore {
public:
    virtual ~TokenStore() = default;
    // A new token for the user, with `payload`; older unused ones become void.
    virtual std::string issue(std::int64_t user_id, std::string_view payload = {}) = 0;
    virtual TokenCheck check(std::string_view token) = 0;
    // Marks the token used if it is still valid; what it was, on success.
    virtual std::optional<TokenCheck> consume(std::string_view token) = 0;
    // Makes a token void (used or not): it then reads as Superseded.
    virtual void void_token(std::string_view token) = 0;
    // Voids every unused token of the user.
    virtual void void_all_for_user(std::int64_t user_id) = 0;
    // Tokens issued for the user since `since` (rate limits).
    virtual std::int64_t issued_since(std::int64_t user_id, std::int64_t since) = 0;
    // The user's newest token that is still valid, if any.
    virtual std::optional<TokenCheck> pending(std::int64_t user_id) = 0;
    // Deletes rows a week past their expiry.
    virtual void purge_old() = 0;
    virtual std::int64_t ttl() const = 0;
};

// A registration waiting for its address to be confirmed.
struct PendingSignup {
    std::string email;
    std::string name;
    std::string password_hash;
    std::int64_t created_at = 0;
    std::int64_t expires_at = 0;
    bool decoy = false;  // for an address that has an account: never mailed, never confirmed
};

struct SignupCheck {
    TokenState state = TokenState::Unknown;
    PendingSignup signup;  // in full only when Valid
};

// Registrations waiting for the link mailed to their address: 256 random
// bits, kept only as a digest, valid for the store's TTL, usable once. A
// new registration (or a link sent again) for an address voids the older
// ones, so only the newest link mailed to it can make the account. A link
// used, voided or expired keeps nothing personal: its row only explains
// the link's page until it is purged.
class SignupStore {
public:
    virtual ~SignupStore() = default;
    // A new pending registration; returns its token. It expires after the
    // store's TTL, or at `expires_at` (a link sent again keeps the first
    // one's end). A decoy's token is never mailed.
    virtual std::string add(std::string_view email, std::string_view name, std::string_view password_hash,
                            std::optional<std::int64_t> expires_at = std::nullopt, bool decoy = false) = 0;
    virtual SignupCheck check(std::string_view token) = 0;
    // Marks the link used if it is still valid; what it held, on success.
    virtual std::optional<PendingSignup> consume(std::string_view token) = 0;
    // The address's newest registration whose link is still valid.
    virtual std::optional<PendingSignup> pending(std::string_view email) = 0;
    // Voids every waiting registration of the address (its account exists).
    virtual void void_all_for(std::string_view email) = 0;
    // Counted requests (registrations and links sent again): from a client
    // address, and for an address from one client address.
    virtual void record_request(std::string_view email, std::string_view client_ip, std::int64_t now) = 0;
    virtual std::int64_t requests_from(std::string_view client_ip, std::int64_t since) = 0;
    virtual std::int64_t requests_for(std::string_view email, std::string_view client_ip, std::int64_t since) = 0;
    // Forgets what expired registrations held, deletes rows a week past
    // their expiry and requests older than an hour.
    virtual void purge_old() = 0;
    virtual std::int64_t ttl() const = 0;
    // Deletes every registration and counted request of the address (its
    // account is deleted).
    virtual void forget(std::string_view email) = 0;
};

// A message waiting in the outbox, as the store keeps it (sealed).
struct QueuedMail {
    std::int64_t id = 0;
    std::int64_t attempts = 0;  // including the one it was claimed for
    std::string sender;
    std::string recipient;
    std::string nonce;
    std::string sealed;
    std::string last_error;
};

// Held by one delivery run at a time (released when the object goes, and
// by the system when the process dies, however it dies).
class DeliveryLock {
public:
    virtual ~DeliveryLock() = default;
};

// A message in the outbox as the administrator sees it: never its text.
struct OutboxEntry {
    std::int64_t id = 0;
    std::string recipient;
    std::int64_t created_at = 0;
    std::int64_t expires_at = 0;
    std::int64_t attempts = 0;
    std::int64_t next_attempt_at = 0;
    std::string last_error;  // "" while no attempt failed
    bool failed() const { return !last_error.empty(); }
};

// Mail written in the request, sent later by one delivery run at a time.
// Claiming a message counts an attempt and sets its next attempt (the
// backoff) before it is sent: a run killed mid-send leaves the message to
// the next run after that backoff, never lost and never sent in a loop.
class OutboxStore {
public:
    virtual ~OutboxStore() = default;
    // priority 0 goes before 1 (links before notices).
    virtual void add(std::string_view sender, std::string_view recipient, std::string_view nonce, std::string_view sealed,
                     int priority, std::int64_t now, std::int64_t expires_at) = 0;
    // Deletes and returns the messages whose time ran out unsent.
    virtual std::vector<QueuedMail> drop_expired(std::int64_t now) = 0;
    // The next due message: by priority, then the recipient with the fewest
    // mails counted in the last hour first (one flooded address cannot hold
    // up the others), then in order. Claimed until `lease_end`, with one
    // more attempt counted and its next attempt set to now + retry_after(attempts).
    virtual std::optional<QueuedMail> claim_next(std::int64_t now, std::int64_t lease_end,
                                                 std::int64_t (*retry_after)(std::int64_t attempts)) = 0;
    virtual void delivered(std::int64_t id) = 0;
    // The attempt failed: the error is kept, the claim ends.
    virtual void failed(std::int64_t id, std::string_view error) = 0;
    // Drops a message the server refused for good.
    virtual void discard(std::int64_t id) = 0;
    // Every message due now waits until `until` (the server is down: none
    // is tried, and no attempt is counted).
    virtual void postpone_due(std::int64_t now, std::int64_t until, std::string_view why) = 0;
    // Ends every claim (a run that holds the lock knows no other run is sending).
    virtual void release_claims() = 0;
    virtual bool has_due(std::int64_t now) = 0;
    // The earliest next attempt of any waiting message; nullopt if none waits.
    virtual std::optional<std::int64_t> next_attempt_at() = 0;
    // The delivery lock, or nullptr if another run holds it.
    virtual std::unique_ptr<DeliveryLock> try_lock() = 0;

    // MAIL_MAX_PER_HOUR. Counted per recipient: links (and requests for a
    // link that sent none, where not sending must not show) and mails
    // actually queued. purge_counts_before clears what is past.
    struct Counts {
        std::int64_t links = 0;
        std::int64_t queued = 0;
    };
    virtual Counts counted_since(std::string_view recipient, std::int64_t since) = 0;
    virtual void count(std::string_view recipient, std::int64_t now, bool link, bool queued) = 0;
    virtual void purge_counts_before(std::int64_t before) = 0;

    // What waits, oldest first, at most `limit` (the admin's mail queue).
    virtual std::vector<OutboxEntry> list(std::int64_t limit) = 0;
    // Every message whose last attempt failed is due again at `now` (not
    // one claimed by a run now); returns how many.
    virtual std::int64_t retry_failed(std::int64_t now) = 0;
    // Deletes every message waiting for the address and its counts (its
    // account is deleted); returns how many messages. A message a delivery
    // run has claimed at `now` stays: it is being sent, and the run deletes
    // it by its id when done (deleting it here would let a new message take
    // that id, and the run would delete the new one).
    virtual std::int64_t forget_recipient(std::string_view recipient, std::int64_t now) = 0;
    // Deletes the address's counts only.
    virtual void forget_counts(std::string_view recipient) = 0;
};

// A secret as the account service sealed it (AEAD): the store never sees it in clear.
struct SealedSecret {
    std::string nonce;
    std::string sealed;
    std::int64_t created_at = 0;
    std::int64_t session_id = 0;  // of a set-up: the session that started it
};

// Two-step login that is on: the account's secret and the last time step
// whose code was accepted (a code is never accepted twice).
struct TwoFactorState {
    SealedSecret secret;
    std::int64_t enabled_at = 0;
    std::int64_t last_step = 0;
};

// The password step of a login done, the code step to come: not a session.
struct PendingLogin {
    std::int64_t id = 0;
    std::int64_t user_id = 0;
    std::string browser_digest;    // the browser it was made for
    std::int64_t session_epoch = 0;  // of the account, when the password was checked
    std::int64_t expires_at = 0;
};

// Two-step login (TOTP): the secret of an account (while it is being set
// up, then once it is on), its recovery codes (digests, each used once) and
// logins waiting for their code (a random token in the browser, its digest
// here).
class TwoFactorStore {
public:
    virtual ~TwoFactorStore() = default;
    // The account's two-step login, when it is on.
    virtual std::optional<TwoFactorState> active(std::int64_t user_id) = 0;
    // A new secret being set up (replacing any earlier one not confirmed),
    // by the session `secret.session_id`; what is on stays on until enable().
    virtual void set_setup(std::int64_t user_id, const SealedSecret& secret) = 0;
    virtual std::optional<SealedSecret> setup(std::int64_t user_id) = 0;
    // Turns it on with `secret` (the setup's), `step` counting as used; the setup goes.
    virtual void enable(std::int64_t user_id, const SealedSecret& secret, std::int64_t step, std::int64_t now) = 0;
    // Turns it off: the secret, the setup, the recovery codes and the pending logins go.
    virtual void disable(std::int64_t user_id) = 0;
    // Records `step` as used if it is later than the last one used; false
    // (nothing changed) if not: a code seen before.
    virtual bool use_step(std::int64_t user_id, std::int64_t step) = 0;
    // The account's recovery codes become these (digests); the old ones go.
    virtual void replace_recovery_codes(std::int64_t user_id, const std::vector<std::string>& digests) = 0;
    // Marks one unused recovery code with this digest used; false if none.
    virtual bool use_recovery_code(std::int64_t user_id, std::string_view digest, std::int64_t now) = 0;
    virtual std::int64_t recovery_codes_left(std::int64_t user_id) = 0;
    // A pending login; returns the token for the browser.
    virtual std::string create_pending_login(std::int64_t user_id, std::string_view browser_digest,
                                             std::int64_t session_epoch, std::int64_t expires_at) = 0;
    // The pending login of a token, unless it has expired.
    virtual std::optional<PendingLogin> pending_login(std::string_view token, std::int64_t now) = 0;
    virtual void end_pending_login(std::int64_t id) = 0;
    // Deletes expired pending logins and setups older than `setup_before`.
    virtual void purge(std::int64_t now, std::int64_t setup_before) = 0;
};

// A passkey (WebAuthn credential) of an account: what verifying its
// assertions needs, and what its owner sees in the list.
struct Passkey {
    std::int64_t id = 0;
    std::int64_t user_id = 0;
    std::string credential_id;  // raw bytes, as the authenticator made it
    std::string public_key;     // the COSE_Key, raw CBOR
    std::string user_handle;    // raw bytes: what the authenticator hands back at login
    std::int64_t sign_count = 0;
    std::string name;
    std::int64_t created_at = 0;
    std::int64_t last_used_at = 0;  // 0: never
};

// A WebAuthn challenge as it was issued: for which ceremony ("register",
// "login", "step-up"), to which browser (the digest of its CSRF cookie
// secret), and for which account and session (0 for a login).
struct PasskeyChallenge {
    std::string purpose;
    std::string browser_digest;
    std::int64_t user_id = 0;
    std::int64_t session_id = 0;
    std::string client_net;  // a login's: the client's network (address_for_limits), for its limit
};

// Passkeys, their challenges (32 random bytes, kept only as a digest,
// single use, with an end), the one-time grants a passkey step-up leaves
// for the form that asked for a code, and the browsers an account has
// logged in from with a passkey (for the "new browser" notice).
class PasskeyStore {
public:
    virtual ~PasskeyStore() = default;
    // The new passkey's id, or nullopt if its credential id is taken.
    virtual std::optional<std::int64_t> add(const Passkey& passkey) = 0;
    virtual std::vector<Passkey> list_for_user(std::int64_t user_id) = 0;
    virtual std::optional<Passkey> find(std::string_view credential_id) = 0;
    // False if the user has no passkey with that id.
    virtual bool rename(std::int64_t user_id, std::int64_t id, std::string_view name) = 0;
    virtual bool remove(std::int64_t user_id, std::int64_t id) = 0;
    // A login with it: the counter becomes `fresh` only if it is still
    // `expected` (two assertions racing with one counter: one wins).
    virtual bool record_use(std::int64_t id, std::int64_t expected, std::int64_t fresh, std::int64_t now) = 0;

    virtual void add_challenge(std::string_view challenge, const PasskeyChallenge& issued, std::int64_t expires_at) = 0;
    // Deletes the challenge and returns it if it was there and not expired:
    // a challenge is taken once, whatever the answer's verdict.
    virtual std::optional<PasskeyChallenge> take_challenge(std::string_view challenge, std::int64_t now) = 0;
    // Challenges issued to the network that are still alive.
    virtual std::int64_t live_challenges_from(std::string_view client_net, std::int64_t now) = 0;

    // A grant for the session's next step-up; returns its token.
    virtual std::string add_grant(std::int64_t user_id, std::int64_t session_id, std::int64_t expires_at) = 0;
    // Deletes the grant and says whether it was the account's and the
    // session's, and alive.
    virtual bool take_grant(std::string_view token, std::int64_t user_id, std::int64_t session_id, std::int64_t now) = 0;

    // Whether the browser (its digest) has logged in to the account with a
    // passkey before; remember_browser records that it has.
    virtual bool known_browser(std::int64_t user_id, std::string_view browser_digest) = 0;
    virtual void remember_browser(std::int64_t user_id, std::string_view browser_digest, std::int64_t now) = 0;

    // Deletes expired challenges and grants.
    virtual void purge(std::int64_t now) = 0;
    // Deletes the challenges issued for the account (its passkeys, grants
    // and browsers go with the account's row).
    virtual void forget_user(std::int64_t user_id) = 0;
};

// One security event, as the event log keeps it (see account/events.hh,
// the one place events are recorded).
struct Event {
    std::int64_t id = 0;
    std::int64_t at = 0;                 // UTC, seconds since the epoch
    std::string request_id;              // also in the error log line (and on a 500 page)
    std::string name;                    // "login", "password.changed", ... (account/events.hh)
    std::string outcome;                 // "ok", "failed", "refused", "throttled"
    std::optional<std::int64_t> user_id; // the account; none for an address without one
    std::string client_ip;
    std::string browser;                 // family only ("Firefox"), from a fixed list
    std::string actor;                   // "" when the person acted; else who did (an administrator)
    std::string detail;                  // short, never a secret, a token or a typed address
};

// What to read from the event log: every field given must match. Newest first.
struct EventFilter {
    std::string name;                     // "" for any
    std::optional<std::int64_t> user_id;
    std::string outcome;                  // "" for any
    std::optional<std::int64_t> since;    // at >= since
    std::optional<std::int64_t> until;    // at < until
    std::int64_t limit = 100;
};

// The security event log (table `events`). Rows are only added, read, and
// deleted by age (EVENT_RETENTION_DAYS) or with the account they belong to.
class EventStore {
public:
    virtual ~EventStore() = default;
    // Adds the event (its id is ignored); returns the new id.
    virtual std::int64_t record(const Event& event) = 0;
    // The account's most recent events, newest first.
    virtual std::vector<Event> for_user(std::int64_t user_id, std::int64_t limit) = 0;
    virtual std::vector<Event> query(const EventFilter& filter) = 0;
    // Deletes events older than `t` (at < t); returns how many.
    virtual std::int64_t purge_before(std::int64_t t) = 0;
    // Deletes every event of the account (it is being deleted).
    virtual void forget_user(std::int64_t user_id) = 0;
};

// Small values the site keeps for itself (the dummy password hash).
class SettingsStore {
public:
    virtual ~SettingsStore() = default;
    virtual std::optional<std::string> get(std::string_view key) = 0;
    virtual void put(std::string_view key, std::string_view value) = 0;
};

// A write transaction: rolled back when it ends without commit().
class WriteTransaction {
public:
    virtual ~WriteTransaction() = default;
    virtual void commit() = 0;
};

// All the stores of one database connection.
class Store {
public:
    virtual ~Store() = default;
    // Connects now. Without it the store connects at its first use, so that
    // a request that reads nothing costs nothing here (plain CGI); a FastCGI
    // process calls it at start, so that a wrong setting is told at once.
    virtual void open() = 0;
    // Starts a write transaction now (waiting for other writers).
    virtual std::unique_ptr<WriteTransaction> begin_write() = 0;
    // A write transaction for housekeeping (deleting what expired), or
    // nullptr when another process, on this machine or another, is doing
    // it now: one at a time is enough.
    virtual std::unique_ptr<WriteTransaction> begin_housekeeping() = 0;
    // How many migrations (store/migrations.cc) the database has had.
    virtual int schema_version() = 0;

    virtual UserStore& users() = 0;
    virtual SessionStore& sessions() = 0;
    virtual ThrottleStore& throttle() = 0;
    virtual ResetRequestStore& reset_requests() = 0;
    virtual LinkFailureStore& link_failures() = 0;
    virtual TokenStore& reset_tokens() = 0;
    virtual TokenStore& email_changes() = 0;
    virtual SignupStore& signups() = 0;
    virtual OutboxStore& outbox() = 0;
    virtual SettingsStore& settings() = 0;
    virtual TwoFactorStore& two_factor() = 0;
    virtual PasskeyStore& passkeys() = 0;
    virtual EventStore& events() = 0;
};

// A store that failed. busy(): the database stayed locked past its timeout,
// so the request is worth a 503 and a retry, not a 500.
class StoreError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
    virtual bool busy() const { return false; }
    // Worth running the whole request once more: the connection to the
    // database was lost (and is opened again), or the database rolled the
    // transaction back to resolve a conflict with another node's.
    virtual bool retry() const { return false; }
};

}  // namespace auth
