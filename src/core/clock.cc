#include "core/clock.hh"

#include <ctime>

namespace auth {

std::int64_t SystemClock::now() const { return static_cast<std::int64_t>(std::time(nullptr)); }

namespace {

std::tm utc_tm(std::int64_t t) {
    std::time_t tt = static_cast<std::time_t>(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    return tm;
}

}  // namespace

std::string utc_text(std::int64_t t) {
    std::tm tm = utc_tm(t);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", &tm);
    return buf;
}

std::string utc_stamp(std::int64_t t) {
    std::tm tm = utc_tm(t);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

}  // namespace auth
