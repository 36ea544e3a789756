#include "store/sqlite/schema.hh"
#include "store/sqlite/stores.hh"

namespace auth {

namespace {

class SqliteWrite final : public WriteTransaction {
public:
    explicit SqliteWrite(Db& db) : tx_(db) {}
    void commit() override { tx_.commit(); }

private:
    Transaction tx_;
};

}  // namespace

SqliteStore::SqliteStore(const StoreSettings& s, const Clock& clock)
    : db_(s.path, [](Db& db) { migrate(db); }),
      users_(db_),
      sessions_(db_, clock, s.session_idle_timeout, s.session_absolute_timeout),
      throttle_(db_),
      reset_requests_(db_),
      link_failures_(db_),
      reset_tokens_(db_, clock, {"reset_tokens", nullptr}, s.reset_token_ttl),
      email_changes_(db_, clock, {"email_changes", "new_email"}, s.email_change_ttl),
      signups_(db_, clock, s.signup_token_ttl),
      outbox_(db_, s.path + "-deliver.lock"),
      settings_(db_),
      two_factor_(db_),
      passkeys_(db_),
      events_(db_) {}

void SqliteStore::open() { db_.open(); }

int SqliteStore::schema_version() { return auth::schema_version(db_); }

std::unique_ptr<WriteTransaction> SqliteStore::begin_write() { return std::make_unique<SqliteWrite>(db_); }

}  // namespace auth
