// The PostgreSQL store behind a function that a build without libpq
// (configure --without-postgresql, the upload bundle) also has: there it
// refuses, saying why (absent.cc), instead of failing to link.
#pragma once
#include <memory>

#include <vector>

#include "store/settings.hh"
#include "store/store.hh"
#include "store/tables.hh"

namespace auth {

class Clock;

// Whether this build can use PostgreSQL.
bool postgres_built_in();
// Connects to settings.url and brings the schema forward; throws StoreError.
std::unique_ptr<Store> open_postgres(const StoreSettings& settings, const Clock& clock);
// sessionauth-admin copy-to: every table of `from` into the PostgreSQL
// database at target.url, which must be empty (its schema is made first),
// in one transaction; the row counts of both sides, table by table.
std::vector<TableCount> copy_into_postgres(TableReader& from, const StoreSettings& target, const Clock& clock);

}  // namespace auth
