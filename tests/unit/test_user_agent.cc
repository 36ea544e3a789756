// Tests for auth::describe_user_agent: real User-Agent headers of current
// browsers come out as "<browser> on <system>"; text from the header never
// comes out.
#include <cppunit/extensions/HelperMacros.h>

#include "core/user_agent.hh"

namespace {

class UserAgentTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(UserAgentTest);
    CPPUNIT_TEST(desktop_browsers);
    CPPUNIT_TEST(mobile_browsers);
    CPPUNIT_TEST(tools_and_unknowns);
    CPPUNIT_TEST(nothing_from_the_header_is_echoed);
    CPPUNIT_TEST_SUITE_END();

    static void expect(const char* ua, const char* description) {
        CPPUNIT_ASSERT_EQUAL_MESSAGE(ua, std::string(description), auth::describe_user_agent(ua));
    }

public:
    void desktop_browsers() {
        expect("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0", "Firefox on Linux");
        expect("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:131.0) Gecko/20100101 Firefox/131.0", "Firefox on Windows");
        expect("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36",
               "Chrome on Windows");
        expect("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 "
               "Safari/537.36 Edg/130.0.0.0",
               "Edge on Windows");
        expect("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 "
               "Safari/605.1.15",
               "Safari on macOS");
        expect("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 "
               "Safari/537.36 OPR/114.0.0.0",
               "Opera on macOS");
        expect("Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36",
               "Chrome on ChromeOS");
    }

    void mobile_browsers() {
        expect("Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 "
               "Mobile/15E148 Safari/604.1",
               "Safari on iOS");
        expect("Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/130.0.6723.90 "
               "Mobile/15E148 Safari/604.1",
               "Chrome on iOS");
        expect("Mozilla/5.0 (iPad; CPU OS 17_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/132.0 "
               "Mobile/15E148 Safari/605.1.15",
               "Firefox on iPadOS");
        expect("Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Mobile Safari/537.36",
               "Chrome on Android");
        expect("Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 "
               "Chrome/122.0.0.0 Mobile Safari/537.36",
               "Samsung Internet on Android");
        expect("Mozilla/5.0 (Android 14; Mobile; rv:132.0) Gecko/132.0 Firefox/132.0", "Firefox on Android");
    }

    void tools_and_unknowns() {
        expect("curl/7.88.1", "curl");
        expect("Python-urllib/3.11", "Python");
        expect("", "Unknown browser");
        expect("sessionauth-integration-tests", "Unknown browser");
        expect("Mozilla/5.0 (X11; Linux x86_64) SomethingNew/1.0", "Linux browser");
        // An embedded WebKit view says Safari/ but is not Safari.
        expect("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Safari/605.1.15",
               "macOS browser");
    }

    void nothing_from_the_header_is_echoed() {
        std::string d = auth::describe_user_agent("<script>alert(1)</script> Firefox/1.0 (Windows) \r\nX-Evil: 1");
        CPPUNIT_ASSERT_EQUAL(std::string("Firefox on Windows"), d);
        CPPUNIT_ASSERT_EQUAL(std::string("Unknown browser"), auth::describe_user_agent("<img src=x onerror=alert(1)>"));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(UserAgentTest);

}  // namespace
