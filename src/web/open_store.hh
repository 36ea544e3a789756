// The store the configuration asks for: PostgreSQL when DATABASE_URL is
// set, else the SQLite file at DATABASE_PATH. The only place that knows
// which: the account service and the pages see store/store.hh.
#pragma once
#include <memory>

#include "core/config.hh"
#include "store/store.hh"

namespace auth {

class Clock;

std::unique_ptr<Store> open_store(const Config& config, const Clock& clock);

}  // namespace auth
