#include "store/sqlite/schema.hh"

#include <string>

#include "store/migrations.hh"
#include "store/sqlite/db.hh"

namespace auth {

int latest_schema_version() { return static_cast<int>(migrations().size()); }
int schema_version(Db& db) {
    auto q = db.query("PRAGMA user_version");
    q.step();
    return static_cast<int>(q.int64(0));
}

void migrate(Db& db) {
    const int kCount = latest_schema_version();
    if (schema_version(db) == kCount) return;
    Transaction tx(db);
    int version = schema_version(db);  // again, now that we hold the write lock
    if (version > kCount)
        throw DbError("database schema version " + std::to_string(version) + " is newer than this program (" +
                          std::to_string(kCount) + ")",
                      0);
    for (int v = version; v < kCount; ++v) db.run(migrations()[static_cast<std::size_t>(v)].sqlite);
    if (version != kCount) db.run(("PRAGMA user_version=" + std::to_string(kCount)).c_str());
    tx.commit();
}

}  // namespace auth
