#include "store/postgres/schema.hh"
#include "store/postgres/stores.hh"

namespace auth {

namespace {

// Of this site's schema: two sites may share one database.
constexpr const char* kHousekeepingLock =
    "SELECT pg_try_advisory_xact_lock(hashtextextended(current_schema() || ' sessionauth housekeeping', 0))";

PgConn& migrated(PgConn& db) {
    pg_migrate(db);
    return db;
}

class PgWrite final : public WriteTransaction {
public:
    explicit PgWrite(PgConn& db) : tx_(db) {}
    void commit() override { tx_.commit(); }

private:
    PgTransaction tx_;
};

}  // namespace

PgStore::PgStore(const StoreSettings& s, const Clock& clock)
    : db_(PgConnSettings{s.url, s.statement_timeout, s.connect_timeout}),
      users_(migrated(db_)),
      sessions_(db_, clock, s.session_idle_timeout, s.session_absolute_timeout),
      throttle_(db_),
      reset_requests_(db_),
      link_failures_(db_),
      reset_tokens_(db_, clock, {"reset_tokens", nullptr}, s.reset_token_ttl),
      email_changes_(db_, clock, {"email_changes", "new_email"}, s.email_change_ttl),
      signups_(db_, clock, s.signup_token_ttl),
      outbox_(db_),
      settings_(db_),
      two_factor_(db_),
      passkeys_(db_),
      events_(db_) {}

void PgStore::open() { db_.open(); }

int PgStore::schema_version() { return pg_schema_version(db_); }

std::unique_ptr<WriteTransaction> PgStore::begin_write() { return std::make_unique<PgWrite>(db_); }

std::unique_ptr<WriteTransaction> PgStore::begin_housekeeping() {
    auto tx = std::make_unique<PgWrite>(db_);
    auto q = db_.query(kHousekeepingLock);
    if (!q.step() || q.int64(0) != 1) return nullptr;  // rolled back as it goes
    return tx;
}

}  // namespace auth
