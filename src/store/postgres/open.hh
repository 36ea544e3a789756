// The PostgreSQL store behind a function that a build without libpq
// (configure --without-postgresql, the upload bundle) also has: there it
// refuses, saying why (absent.cc), instead of failing to link.
#pragma once
#include <memory>

#include "store/settings.hh"
#include "store/store.hh"

namespace auth {

class Clock;

// Whether this build can use PostgreSQL.
bool postgres_built_in();
// Connects to settings.url and brings the schema forward; throws StoreError.
std::unique_ptr<Store> open_postgres(const StoreSettings& settings, const Clock& clock);

}  // namespace auth
