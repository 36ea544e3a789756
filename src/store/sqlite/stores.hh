// The stores of store/store.hh over one SQLite connection (db.hh). Each
// class runs SQL on its own tables only; SqliteStore opens (creating or
// migrating) the database and hands them out.
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "store/sqlite/db.hh"
#include "core/config.hh"
#include "store/store.hh"

namespace auth {

class Clock;

class SqliteUsers final : public UserStore {
public:
    explicit SqliteUsers(Db& db) : db_(db) {}
    std::optional<User> find_by_email(std::string_view email) override;
    std::optional<User> find_by_id(std::int64_t id) override;
    std::optional<std::int64_t> create(std::string_view email, std::string_view name, std::string_view password_hash,
                                       std::int64_t now) override;
    void update_name(std::int64_t id, std::string_view name, std::int64_t now) override;
    void set_password_hash(std::int64_t id, std::string_view password_hash, std::int64_t now) override;
    void bump_session_epoch(std::int64_t id) override;
    bool replace_hash_if(std::int64_t id, std::string_view fresh, std::string_view expected) override;
    void set_confirmed(std::int64_t id, std::int64_t now) override;
    bool set_email(std::int64_t id, std::string_view email, std::int64_t now) override;
    std::string set_picture(std::int64_t id, std::string_view name) override;
    std::vector<std::string> pictures_in_use() override;
    void set_locked(std::int64_t id, std::optional<std::int64_t> at) override;
    std::vector<User> search(std::string_view text, std::int64_t limit) override;
    bool remove(std::int64_t id) override;

private:
    Db& db_;
};

class SqliteSessions final : public SessionStore {
public:
    SqliteSessions(Db& db, const Clock& clock, std::int64_t idle_timeout, std::int64_t absolute_timeout)
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
    Db& db_;
    const Clock& clock_;
    std::int64_t idle_;
    std::int64_t absolute_;
};

class SqliteThrottle final : public ThrottleStore {
public:
    explicit SqliteThrottle(Db& db) : db_(db) {}
    std::optional<std::int64_t> nth_failure_for_email(std::string_view email, std::int64_t since, std::int64_t n) override;
    std::optional<std::int64_t> nth_failure_from(std::string_view client_ip, std::int64_t since, std::int64_t n) override;
    std::int64_t record(std::string_view email, std::string_view client_ip, std::int64_t now) override;
    void take_back(std::int64_t id) override;
    void clear(std::string_view email) override;
    void clear_up_to(std::string_view email, std::int64_t id) override;
    void purge_before(std::int64_t t) override;

private:
    Db& db_;
};

class SqliteResetRequests final : public ResetRequestStore {
public:
    explicit SqliteResetRequests(Db& db) : db_(db) {}
    void record(std::string_view email, std::string_view client_ip, std::int64_t now) override;
    std::int64_t count_from(std::string_view client_ip, std::int64_t since) override;
    void purge_before(std::int64_t t) override;
    void forget(std::string_view email) override;

private:
    Db& db_;
};

class SqliteLinkFailures final : public LinkFailureStore {
public:
    explicit SqliteLinkFailures(Db& db) : db_(db) {}
    void record(std::string_view client_ip, std::int64_t now) override;
    std::optional<std::int64_t> nth_failure_from(std::string_view client_ip, std::int64_t since, std::int64_t n) override;
    void purge_before(std::int64_t t) override;

private:
    Db& db_;
};

// One implementation for every table of single-use tokens: reset_tokens
// (no payload) and email_changes (the new address as payload). Both tables
// have token_hash, user_id, created_at, expires_at, used_at and voided.
class SqliteTokens final : public TokenStore {
public:
    struct Table {
        const char* name;            // "reset_tokens"
        const char* payload_column;  // "new_email", or nullptr for none
    };
    SqliteTokens(Db& db, const Clock& clock, Table table, std::int64_t ttl);
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
    Db& db_;
    const Clock& clock_;
    std::int64_t ttl_;
    bool has_payload_;
    // The statements for this table, built once from its name.
    std::string insert_, select_, consume_, void_one_, void_all_, issued_since_, pending_, purge_;
};

class SqliteSignups final : public SignupStore {
public:
    SqliteSignups(Db& db, const Clock& clock, std::int64_t ttl) : db_(db), clock_(clock), ttl_(ttl) {}
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
    Db& db_;
    const Clock& clock_;
    std::int64_t ttl_;
};

class SqliteOutbox final : public OutboxStore {
public:
    // `lock_path`: the file whose flock() is the delivery lock (beside the
    // database: SQLite's own locks already need a local disk).
    SqliteOutbox(Db& db, std::string lock_path) : db_(db), lock_path_(std::move(lock_path)) {}
    void add(std::string_view sender, std::string_view recipient, std::string_view nonce, std::string_view sealed,
             int priority, std::int64_t now, std::int64_t expires_at) override;
    std::vector<QueuedMail> drop_expired(std::int64_t now) override;
    std::optional<QueuedMail> claim_next(std::int64_t now, std::int64_t lease_end,
                                         std::int64_t (*retry_after)(std::int64_t attempts)) override;
    void delivered(std::int64_t id) override;
    void failed(std::int64_t id, std::string_view error) override;
    void discard(std::int64_t id) override;
    void postpone_due(std::int64_t now, std::int64_t until, std::string_view why) override;
    void release_claims() override;
    bool has_due(std::int64_t now) override;
    std::optional<std::int64_t> next_attempt_at() override;
    std::unique_ptr<DeliveryLock> try_lock() override;
    Counts counted_since(std::string_view recipient, std::int64_t since) override;
    void count(std::string_view recipient, std::int64_t now, bool link, bool queued) override;
    void purge_counts_before(std::int64_t before) override;
    std::vector<OutboxEntry> list(std::int64_t limit) override;
    std::int64_t retry_failed(std::int64_t now) override;
    std::int64_t forget_recipient(std::string_view recipient, std::int64_t now) override;
    void forget_counts(std::string_view recipient) override;

private:
    Db& db_;
    std::string lock_path_;
};

class SqliteSettings final : public SettingsStore {
public:
    explicit SqliteSettings(Db& db) : db_(db) {}
    std::optional<std::string> get(std::string_view key) override;
    void put(std::string_view key, std::string_view value) override;

private:
    Db& db_;
};

class SqliteTwoFactor final : public TwoFactorStore {
public:
    explicit SqliteTwoFactor(Db& db) : db_(db) {}
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
    Db& db_;
};

class SqlitePasskeys final : public PasskeyStore {
public:
    explicit SqlitePasskeys(Db& db) : db_(db) {}
    std::optional<std::int64_t> add(const Passkey& passkey) override;
    std::vector<Passkey> list_for_user(std::int64_t user_id) override;
    std::optional<Passkey> find(std::string_view credential_id) override;
    bool rename(std::int64_t user_id, std::int64_t id, std::string_view name) override;
    bool remove(std::int64_t user_id, std::int64_t id) override;
    bool record_use(std::int64_t id, std::int64_t expected, std::int64_t fresh, std::int64_t now) override;
    void add_challenge(std::string_view challenge, const PasskeyChallenge& issued, std::int64_t expires_at) override;
    std::optional<PasskeyChallenge> take_challenge(std::string_view challenge, std::int64_t now) override;
    std::string add_grant(std::int64_t user_id, std::int64_t session_id, std::int64_t expires_at) override;
    bool take_grant(std::string_view token, std::int64_t user_id, std::int64_t now) override;
    bool known_browser(std::int64_t user_id, std::string_view browser_digest) override;
    void remember_browser(std::int64_t user_id, std::string_view browser_digest, std::int64_t now) override;
    void purge(std::int64_t now) override;
    void forget_user(std::int64_t user_id) override;

private:
    Db& db_;
};

class SqliteEvents final : public EventStore {
public:
    explicit SqliteEvents(Db& db) : db_(db) {}
    std::int64_t record(const Event& event) override;
    std::vector<Event> for_user(std::int64_t user_id, std::int64_t limit) override;
    std::vector<Event> query(const EventFilter& filter) override;
    std::int64_t purge_before(std::int64_t t) override;
    void forget_user(std::int64_t user_id) override;

private:
    Db& db_;
};

struct StoreSettings {
    std::string path;
    std::int64_t session_idle_timeout = 1800;
    std::int64_t session_absolute_timeout = 43200;
    std::int64_t reset_token_ttl = 1800;
    std::int64_t email_change_ttl = 86400;
    std::int64_t signup_token_ttl = 86400;

    static StoreSettings of(const Config& c) {
        return {c.database_path, c.session_idle_timeout, c.session_absolute_timeout, c.reset_token_ttl,
                c.email_change_ttl, c.signup_token_ttl};
    }
};

class SqliteStore final : public Store {
public:
    // The database file is opened (created, migrated) by open() or at the
    // first statement; both throw DbError.
    SqliteStore(const StoreSettings& settings, const Clock& clock);
    void open() override;
    std::unique_ptr<WriteTransaction> begin_write() override;
    UserStore& users() override { return users_; }
    SessionStore& sessions() override { return sessions_; }
    ThrottleStore& throttle() override { return throttle_; }
    ResetRequestStore& reset_requests() override { return reset_requests_; }
    LinkFailureStore& link_failures() override { return link_failures_; }
    TokenStore& reset_tokens() override { return reset_tokens_; }
    TokenStore& email_changes() override { return email_changes_; }
    SignupStore& signups() override { return signups_; }
    OutboxStore& outbox() override { return outbox_; }
    SettingsStore& settings() override { return settings_; }
    TwoFactorStore& two_factor() override { return two_factor_; }
    PasskeyStore& passkeys() override { return passkeys_; }
    EventStore& events() override { return events_; }

    // The connection itself: for the schema tools and for tests.
    Db& db() { return db_; }

private:
    Db db_;
    SqliteUsers users_;
    SqliteSessions sessions_;
    SqliteThrottle throttle_;
    SqliteResetRequests reset_requests_;
    SqliteLinkFailures link_failures_;
    SqliteTokens reset_tokens_;
    SqliteTokens email_changes_;
    SqliteSignups signups_;
    SqliteOutbox outbox_;
    SqliteSettings settings_;
    SqliteTwoFactor two_factor_;
    SqlitePasskeys passkeys_;
    SqliteEvents events_;
};

}  // namespace auth
