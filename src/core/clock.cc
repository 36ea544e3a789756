#include "core/clock.hh"

#include <chrono>
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

// `value` as `width` decimal digits at `out`.
void put_digits(char* out, long value, int width) {
    for (int i = width - 1; i >= 0; --i, value /= 10) out[i] = static_cast<char>('0' + value % 10);
}

}  // namespace

// The digits put in place by hand from the civil date std::chrono gives:
// gmtime_r and strftime took a thousand instructions of each GET /profile
// (its "member since"). A time outside the years 1000 to 9999 (four digits,
// as %Y writes them) still goes through strftime.
std::string utc_text(std::int64_t t) {
    constexpr std::int64_t kYear1000 = -30610224000, kYear10000 = 253402300800;
    if (t < kYear1000 || t >= kYear10000) {
        std::tm tm = utc_tm(t);
        char buf[40];
        std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", &tm);
        return buf;
    }
    using namespace std::chrono;
    const sys_seconds at{seconds{t}};
    const sys_days day = floor<days>(at);
    const year_month_day date{day};
    const int y = static_cast<int>(date.year());
    const long minute = static_cast<long>(duration_cast<minutes>(at - day).count());
    std::string out = "0000-00-00 00:00 UTC";
    put_digits(&out[0], y, 4);
    put_digits(&out[5], static_cast<long>(static_cast<unsigned>(date.month())), 2);
    put_digits(&out[8], static_cast<long>(static_cast<unsigned>(date.day())), 2);
    put_digits(&out[11], minute / 60, 2);
    put_digits(&out[14], minute % 60, 2);
    return out;
}

std::string utc_stamp(std::int64_t t) {
    std::tm tm = utc_tm(t);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

}  // namespace auth
