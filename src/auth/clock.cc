#include "auth/clock.hh"

#include <ctime>

namespace auth {

std::int64_t SystemClock::now() const { return static_cast<std::int64_t>(std::time(nullptr)); }

}  // namespace auth
