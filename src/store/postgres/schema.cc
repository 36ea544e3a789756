#include "store/postgres/schema.hh"

#include <string>

#include "store/migrations.hh"
#include "store/postgres/conn.hh"

namespace auth {

int pg_schema_version(PgConn& db) {
    {
        auto q = db.query("SELECT to_regclass('schema_migrations') IS NOT NULL");
        q.step();
        if (q.int64(0) == 0) return 0;
    }
    auto q = db.query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
    q.step();
    return static_cast<int>(q.int64(0));
}

void pg_migrate(PgConn& db) {
    const int latest = static_cast<int>(migrations().size());
    int version = pg_schema_version(db);
    if (version == latest) return;
    PgTransaction tx(db);
    db.run("SELECT pg_advisory_xact_lock(hashtextextended(current_schema() || ' sessionauth migrations', 0))");
    db.run("CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at bigint NOT NULL)");
    version = pg_schema_version(db);  // again, now that this holds the lock
    if (version > latest)
        throw PgError("database schema version " + std::to_string(version) + " is newer than this program (" +
                          std::to_string(latest) + ")",
                      "", false);
    for (int v = version; v < latest; ++v) {
        db.run(migrations()[static_cast<std::size_t>(v)].postgres);
        db.query("INSERT INTO schema_migrations (version, applied_at) VALUES (?, extract(epoch FROM now())::bigint)")
            .bind(1, std::int64_t{v + 1})
            .exec();
    }
    tx.commit();
}

}  // namespace auth
