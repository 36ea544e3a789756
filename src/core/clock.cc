#include "core/clock.hh"

#include <ctime>

namespace auth {

std::int64_t SystemClock::now() const { return static_cast<std::int64_t>(std::time(nullptr)); }

std::string utc_text(std::int64_t t) {
    std::time_t tt = static_cast<std::time_t>(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", &tm);
    return buf;
}

}  // namespace auth
