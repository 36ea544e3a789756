#include "web/open_store.hh"

#include "store/postgres/open.hh"
#include "store/sqlite/stores.hh"

namespace auth {

std::unique_ptr<Store> open_store(const Config& config, const Clock& clock) {
    StoreSettings settings = StoreSettings::of(config);
    if (!config.database_url.empty()) return open_postgres(settings, clock);
    return std::make_unique<SqliteStore>(settings, clock);
}

}  // namespace auth
