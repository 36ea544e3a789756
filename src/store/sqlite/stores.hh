// The stores of store/store.hh over one SQLite connection (db.hh). Each
// class runs SQL on its own tables only; SqliteStore opens (creating or
// migrating) the database and hands them out.
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "store/sqlite/db.hh"
#include "store/settings.hh"
#include "store/sql/sessions.hh"
#include "store/sql/tokens.hh"
#include "store/sql/events.hh"
#include "store/sql/passkeys.hh"
#include "store/sql/two_factor.hh"
#include "store/sql/users.hh"
#include "store/sql/reset_requests.hh"
#include "store/sql/link_failures.hh"
#include "store/sql/outbox.hh"
#include "store/sql/signups.hh"
#include "store/store.hh"

namespace auth {

class Clock;

// The stores whose SQL both databases take (store/sql/).
using SqliteSessions = SqlSessions<Db>;
using SqliteTokens = SqlTokens<Db>;
using SqliteTwoFactor = SqlTwoFactor<Db>;
using SqliteResetRequests = SqlResetRequests<Db>;
using SqliteLinkFailures = SqlLinkFailures<Db>;
using SqliteSignups = SqlSignups<Db>;
using SqlitePasskeys = SqlPasskeys<Db>;
using SqliteEvents = SqlEvents<Db>;

class SqliteUsers final : public SqlUserRows<Db> {
public:
    explicit SqliteUsers(Db& db) : SqlUserRows<Db>(db) {}
    std::optional<User> find_by_email(std::string_view email) override;
    std::optional<User> find_by_id(std::int64_t id) override;
    std::optional<std::int64_t> create(std::string_view email, std::string_view name, std::string_view password_hash,
                                       std::int64_t now) override;
    bool set_email(std::int64_t id, std::string_view email, std::int64_t now) override;
    std::string set_picture(std::int64_t id, std::string_view name) override;
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

class SqliteOutbox final : public SqlOutboxRows<Db> {
public:
    // `lock_path`: the file whose flock() is the delivery lock (beside the
    // database: SQLite's own locks already need a local disk).
    SqliteOutbox(Db& db, std::string lock_path) : SqlOutboxRows<Db>(db), lock_path_(std::move(lock_path)) {}
    std::vector<QueuedMail> drop_expired(std::int64_t now) override;
    std::optional<QueuedMail> claim_next(std::int64_t now, std::int64_t lease_end,
                                         std::int64_t (*retry_after)(std::int64_t attempts)) override;
    std::unique_ptr<DeliveryLock> try_lock() override;

private:
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

class SqliteStore final : public Store {
public:
    // The database file is opened (created, migrated) by open() or at the
    // first statement; both throw DbError.
    SqliteStore(const StoreSettings& settings, const Clock& clock);
    void open() override;
    std::unique_ptr<WriteTransaction> begin_write() override;
    // One connection at a time writes anyway (BEGIN IMMEDIATE).
    int schema_version() override;
    std::unique_ptr<WriteTransaction> begin_housekeeping() override { return begin_write(); }
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
