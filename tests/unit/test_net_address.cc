// Tests for net_address: addresses and CIDR ranges (IPv4 and IPv6), the
// client behind trusted proxies from X-Forwarded-For, and the /64 that the
// per-address limits count an IPv6 client by.
#include <cppunit/extensions/HelperMacros.h>

#include <string>
#include <vector>

#include "core/net_address.hh"

namespace {

std::vector<auth::IpRange> ranges(std::initializer_list<const char*> texts) {
    std::vector<auth::IpRange> out;
    for (const char* t : texts) {
        auto r = auth::parse_ip_range(t);
        if (!r) throw std::runtime_error(std::string("bad range in test: ") + t);
        out.push_back(*r);
    }
    return out;
}

bool in(const char* range, const char* address) { return auth::parse_ip_range(range)->contains(*auth::parse_ip(address)); }

}  // namespace

class NetAddressTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(NetAddressTest);
    CPPUNIT_TEST(addresses_parse_and_print_canonically);
    CPPUNIT_TEST(malformed_addresses_and_ranges_are_refused);
    CPPUNIT_TEST(ranges_contain_what_they_should);
    CPPUNIT_TEST(forwarded_for_is_believed_only_from_trusted_proxies);
    CPPUNIT_TEST(forwarded_for_is_walked_from_the_right);
    CPPUNIT_TEST(malformed_forwarded_for_leaves_remote_addr);
    CPPUNIT_TEST(limits_count_ipv6_by_its_64);
    CPPUNIT_TEST_SUITE_END();

public:
    void addresses_parse_and_print_canonically() {
        CPPUNIT_ASSERT_EQUAL(std::string("192.0.2.7"), auth::parse_ip("192.0.2.7")->text());
        CPPUNIT_ASSERT(auth::parse_ip("192.0.2.7")->is_v4());
        CPPUNIT_ASSERT_EQUAL(std::string("2001:db8::1"), auth::parse_ip("2001:DB8:0:0:0:0:0:1")->text());
        CPPUNIT_ASSERT_EQUAL(std::string("2001:db8::1"), auth::parse_ip("[2001:db8::1]")->text());
        // An IPv4-mapped address is the IPv4 client it maps.
        CPPUNIT_ASSERT_EQUAL(std::string("192.0.2.7"), auth::parse_ip("::ffff:192.0.2.7")->text());
        CPPUNIT_ASSERT_EQUAL(std::string("::1"), auth::parse_ip("::1")->text());
    }

    void malformed_addresses_and_ranges_are_refused() {
        for (const char* bad : {"", "192.0.2", "192.0.2.256", "192.0.2.7 ", "01.2.3.4x", "2001:db8::g", "2001:db8:::1",
                                "unknown", "[::1", "1.2.3.4.5", "::1%eth0"})
            CPPUNIT_ASSERT_MESSAGE(bad, !auth::parse_ip(bad));
        for (const char* bad : {"10.0.0.0/33", "10.0.0.0/", "10.0.0.1/8", "2001:db8::/129", "2001:db8::1/32", "10.0.0.0/-1",
                                "10.0.0.0/8/8", "/8", "10.0.0.0/08x"})
            CPPUNIT_ASSERT_MESSAGE(bad, !auth::parse_ip_range(bad));
    }

    void ranges_contain_what_they_should() {
        CPPUNIT_ASSERT(in("10.0.0.0/8", "10.255.1.2"));
        CPPUNIT_ASSERT(!in("10.0.0.0/8", "11.0.0.1"));
        CPPUNIT_ASSERT(in("192.0.2.7", "192.0.2.7"));
        CPPUNIT_ASSERT(!in("192.0.2.7", "192.0.2.8"));
        CPPUNIT_ASSERT(in("172.16.0.0/12", "172.31.255.255"));
        CPPUNIT_ASSERT(!in("172.16.0.0/12", "172.32.0.0"));
        CPPUNIT_ASSERT(in("0.0.0.0/0", "203.0.113.1"));
        CPPUNIT_ASSERT(!in("0.0.0.0/0", "2001:db8::1"));  // an IPv4 range holds no IPv6 address
        CPPUNIT_ASSERT(in("2001:db8::/32", "2001:db8:ffff::1"));
        CPPUNIT_ASSERT(!in("2001:db8::/32", "2001:db9::1"));
        CPPUNIT_ASSERT(in("fd00::/8", "fdab:1::2"));
        CPPUNIT_ASSERT(in("10.0.0.0/8", "::ffff:10.1.1.1"));
        CPPUNIT_ASSERT(in("2001:db8:0:2::/63", "2001:db8:0:3:ffff::"));
        CPPUNIT_ASSERT(!in("2001:db8:0:2::/63", "2001:db8:0:4::"));
        CPPUNIT_ASSERT(!in("2001:db8:0:2::/63", "2001:db8:0:1::"));
    }

    void forwarded_for_is_believed_only_from_trusted_proxies() {
        auto trusted = ranges({"10.0.0.0/8", "2001:db8:1::/48"});
        CPPUNIT_ASSERT_EQUAL(std::string("192.0.2.7"), auth::client_address("192.0.2.7", "203.0.113.1", trusted));
        CPPUNIT_ASSERT_EQUAL(std::string("203.0.113.1"), auth::client_address("10.0.0.2", "203.0.113.1", trusted));
        CPPUNIT_ASSERT_EQUAL(std::string("203.0.113.1"), auth::client_address("2001:db8:1::5", "203.0.113.1", trusted));
        CPPUNIT_ASSERT_EQUAL(std::string("10.0.0.2"), auth::client_address("10.0.0.2", "", trusted));
        CPPUNIT_ASSERT_EQUAL(std::string("10.0.0.2"), auth::client_address("10.0.0.2", "203.0.113.1", {}));
    }

    void forwarded_for_is_walked_from_the_right() {
        auto trusted = ranges({"10.0.0.0/8", "::1"});
        // The client may write anything on the left; the hops of our own proxies are on the right.
        CPPUNIT_ASSERT_EQUAL(std::string("198.51.100.4"),
                             auth::client_address("10.0.0.1", "1.2.3.4, 198.51.100.4, 10.9.9.9", trusted));
        CPPUNIT_ASSERT_EQUAL(std::string("198.51.100.4"),
                             auth::client_address("::1", "10.0.0.7,198.51.100.4,10.0.0.8", trusted));
        CPPUNIT_ASSERT_EQUAL(std::string("2001:db8::5"), auth::client_address("10.0.0.1", "[2001:db8::5]:4711", trusted));
        CPPUNIT_ASSERT_EQUAL(std::string("198.51.100.4"), auth::client_address("10.0.0.1", "198.51.100.4:80", trusted));
        CPPUNIT_ASSERT_EQUAL(std::string("2001:db8::5"), auth::client_address("10.0.0.1", " 2001:DB8::5 ", trusted));
        // Every hop trusted: the leftmost.
        CPPUNIT_ASSERT_EQUAL(std::string("10.0.0.3"), auth::client_address("10.0.0.1", "10.0.0.3, 10.0.0.2", trusted));
    }

    void malformed_forwarded_for_leaves_remote_addr() {
        auto trusted = ranges({"10.0.0.0/8"});
        for (const char* bad : {"unknown", "198.51.100.4, ", ",", "198.51.100.4 10.0.0.2", "<script>", "1.2.3.4:99999",
                                "1.2.3.4, 10.0.0.1, garbage"})
            CPPUNIT_ASSERT_EQUAL_MESSAGE(bad, std::string("10.0.0.1"), auth::client_address("10.0.0.1", bad, trusted));
        // A malformed hop left of the first untrusted one is never read.
        CPPUNIT_ASSERT_EQUAL(std::string("198.51.100.4"),
                             auth::client_address("10.0.0.1", "garbage, 198.51.100.4, 10.0.0.2", trusted));
    }

    void limits_count_ipv6_by_its_64() {
        CPPUNIT_ASSERT_EQUAL(std::string("2001:db8:1:2::/64"), auth::address_for_limits("2001:db8:1:2:aaaa:bbbb:cccc:dddd"));
        CPPUNIT_ASSERT_EQUAL(auth::address_for_limits("2001:db8:1:2::1"), auth::address_for_limits("2001:db8:1:2:ffff::9"));
        CPPUNIT_ASSERT(auth::address_for_limits("2001:db8:1:2::1") != auth::address_for_limits("2001:db8:1:3::1"));
        CPPUNIT_ASSERT_EQUAL(std::string("192.0.2.7"), auth::address_for_limits("192.0.2.7"));
        CPPUNIT_ASSERT_EQUAL(std::string("192.0.2.7"), auth::address_for_limits("::ffff:192.0.2.7"));
        CPPUNIT_ASSERT_EQUAL(std::string("not an address"), auth::address_for_limits("not an address"));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(NetAddressTest);
