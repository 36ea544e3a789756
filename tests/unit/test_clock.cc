// Tests for clock: utc_text writes its digits by hand for the years 1000 to
// 9999 and leaves the rest to strftime; both give what strftime gives.
#include <cppunit/extensions/HelperMacros.h>

#include <cstdint>
#include <ctime>
#include <string>

#include "core/clock.hh"

namespace {

// What utc_text wrote before it formatted by hand: gmtime_r and strftime.
std::string by_strftime(std::int64_t t) {
    std::time_t tt = static_cast<std::time_t>(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[40];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", &tm);
    return buf;
}

}  // namespace

class ClockTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(ClockTest);
    CPPUNIT_TEST(utc_text_known_values);
    CPPUNIT_TEST(utc_text_is_strftime_across_the_years);
    CPPUNIT_TEST_SUITE_END();

public:
    void utc_text_known_values() {
        CPPUNIT_ASSERT_EQUAL(std::string("1970-01-01 00:00 UTC"), auth::utc_text(0));
        CPPUNIT_ASSERT_EQUAL(std::string("1969-12-31 23:59 UTC"), auth::utc_text(-1));
        CPPUNIT_ASSERT_EQUAL(std::string("2024-02-29 12:34 UTC"), auth::utc_text(1709210096));
        CPPUNIT_ASSERT_EQUAL(std::string("9999-12-31 23:59 UTC"), auth::utc_text(253402300799));
        CPPUNIT_ASSERT_EQUAL(std::string("1000-01-01 00:00 UTC"), auth::utc_text(-30610224000));
    }

    // Every day boundary and a minute inside each day over leap years and
    // century years (1900, 2000, 2100), a stride through four centuries, and
    // the edges of the hand-written range on both sides.
    void utc_text_is_strftime_across_the_years() {
        for (std::int64_t t = -2208988800; t < 4133980800; t += 86400 * 7 + 61)
            CPPUNIT_ASSERT_EQUAL(by_strftime(t), auth::utc_text(t));
        for (std::int64_t day = 946598400; day < 951868800; day += 86400)  // 1999-12-31 to 2000-03-01
            for (std::int64_t t : {day - 1, day, day + 59, day + 60, day + 3599, day + 86399})
                CPPUNIT_ASSERT_EQUAL(by_strftime(t), auth::utc_text(t));
        for (std::int64_t t : {std::int64_t{-30610224001}, std::int64_t{-30610224000}, std::int64_t{253402300799},
                               std::int64_t{253402300800}, std::int64_t{-62167219200}, std::int64_t{32503680000}})
            CPPUNIT_ASSERT_EQUAL(by_strftime(t), auth::utc_text(t));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(ClockTest);
