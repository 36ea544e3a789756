// open_postgres in a build without libpq: linked instead of open.cc.
#include "store/postgres/open.hh"

namespace auth {

bool postgres_built_in() { return false; }

namespace {
const char* const kNoPostgres =
        "DATABASE_URL names a PostgreSQL database, but this build cannot use PostgreSQL (built with "
        "--without-postgresql, or the upload bundle, which is SQLite only): remove DATABASE_URL to use the SQLite "
        "file at DATABASE_PATH, or install a build with PostgreSQL";
}

std::unique_ptr<Store> open_postgres(const StoreSettings&, const Clock&) { throw StoreError(kNoPostgres); }

std::vector<TableCount> copy_into_postgres(TableReader&, const StoreSettings&, const Clock&) { throw StoreError(kNoPostgres); }

}  // namespace auth
