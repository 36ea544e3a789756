// The stores of store/store.hh over one PostgreSQL connection (conn.hh),
// one file each. Each class runs SQL on its own tables only; PgStore
// connects, brings the schema forward (schema.cc) and hands them out. A new
// store: its SQL in store/sql/ when SQLite takes the same (an alias here),
// else its class here and its file beside the others; its member in PgStore.
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "store/postgres/conn.hh"
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
using PgSessions = SqlSessions<PgConn>;
using PgTokens = SqlTokens<PgConn>;
using PgTwoFactor = SqlTwoFactor<PgConn>;
using PgResetRequests = SqlResetRequests<PgConn>;
using PgLinkFailures = SqlLinkFailures<PgConn>;
using PgSignups = SqlSignups<PgConn>;
using PgPasskeys = SqlPasskeys<PgConn>;
using PgEvents = SqlEvents<PgConn>;

class PgUsers final : public SqlUserRows<PgConn> {
public:
    explicit PgUsers(PgConn& db) : SqlUserRows<PgConn>(db) {}
    std::optional<User> find_by_email(std::string_view email) override;
    std::optional<User> find_by_id(std::int64_t id) override;
    std::optional<std::int64_t> create(std::string_view email, std::string_view name, std::string_view password_hash,
                                       std::int64_t now) override;
    bool set_email(std::int64_t id, std::string_view email, std::int64_t now) override;
    std::string set_picture(std::int64_t id, std::string_view name) override;
};

class PgThrottle final : public ThrottleStore {
public:
    explicit PgThrottle(PgConn& db) : db_(db) {}
    std::optional<std::int64_t> nth_failure_for_email(std::string_view email, std::int64_t since, std::int64_t n) override;
    std::optional<std::int64_t> nth_failure_from(std::string_view client_ip, std::int64_t since, std::int64_t n) override;
    std::int64_t record(std::string_view email, std::string_view client_ip, std::int64_t now) override;
    void take_back(std::int64_t id) override;
    void clear(std::string_view email) override;
    void clear_up_to(std::string_view email, std::int64_t id) override;
    void purge_before(std::int64_t t) override;

private:
    PgConn& db_;
};

class PgOutbox final : public SqlOutboxRows<PgConn> {
public:
    explicit PgOutbox(PgConn& db) : SqlOutboxRows<PgConn>(db) {}
    std::vector<QueuedMail> drop_expired(std::int64_t now) override;
    std::optional<QueuedMail> claim_next(std::int64_t now, std::int64_t lease_end,
                                         std::int64_t (*retry_after)(std::int64_t attempts)) override;
    void delivered(std::int64_t id) override;
    void failed(std::int64_t id, std::string_view error) override;
    std::unique_ptr<DeliveryLock> try_lock() override;

private:
    bool locked_ = false;  // this connection holds the delivery lock
};

class PgSettings final : public SettingsStore {
public:
    explicit PgSettings(PgConn& db) : db_(db) {}
    std::optional<std::string> get(std::string_view key) override;
    void put(std::string_view key, std::string_view value) override;

private:
    PgConn& db_;
};

class PgStore final : public Store {
public:
    // Connects to settings.url, bringing the schema forward; throws PgError.
    PgStore(const StoreSettings& settings, const Clock& clock);
    // Connected at construction already; connects again if the connection
    // was lost since (a FastCGI process at start: a wrong setting is told then).
    void open() override;
    std::unique_ptr<WriteTransaction> begin_write() override;
    // Under pg_try_advisory_xact_lock: one node at a time.
    int schema_version() override;
    std::unique_ptr<WriteTransaction> begin_housekeeping() override;
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
    PgConn& db() { return db_; }

private:
    PgConn db_;
    PgUsers users_;
    PgSessions sessions_;
    PgThrottle throttle_;
    PgResetRequests reset_requests_;
    PgLinkFailures link_failures_;
    PgTokens reset_tokens_;
    PgTokens email_changes_;
    PgSignups signups_;
    PgOutbox outbox_;
    PgSettings settings_;
    PgTwoFactor two_factor_;
    PgPasskeys passkeys_;
    PgEvents events_;
};

}  // namespace auth
