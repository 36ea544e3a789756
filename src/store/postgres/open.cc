#include "store/postgres/open.hh"

#include "store/postgres/stores.hh"

namespace auth {

bool postgres_built_in() { return true; }

std::unique_ptr<Store> open_postgres(const StoreSettings& settings, const Clock& clock) {
    return std::make_unique<PgStore>(settings, clock);
}

}  // namespace auth
