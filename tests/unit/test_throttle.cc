// Tests for throttle: failed logins per email and per client address,
// counted in SQLite inside a 15-minute window.
#include <cppunit/extensions/HelperMacros.h>

#include <memory>
#include <string>

#include "account/throttle.hh"
#include "web/open_store.hh"
#include "support.hh"

class ThrottleTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(ThrottleTest);
    CPPUNIT_TEST(four_failures_do_not_block);
    CPPUNIT_TEST(fifth_failure_blocks_with_a_bounded_wait);
    CPPUNIT_TEST(wait_shrinks_as_time_passes);
    CPPUNIT_TEST(window_passing_unblocks);
    CPPUNIT_TEST(old_failures_fall_out_of_the_window);
    CPPUNIT_TEST(email_blocks_across_client_addresses);
    CPPUNIT_TEST(email_compare_ignores_case);
    CPPUNIT_TEST(other_emails_are_not_blocked_by_one);
    CPPUNIT_TEST(twenty_failures_from_one_address_block_it);
    CPPUNIT_TEST(clear_unblocks_only_that_email);
    CPPUNIT_TEST(state_is_shared_through_the_database);
    CPPUNIT_TEST(a_blocked_reservation_records_nothing);
    CPPUNIT_TEST(success_takes_the_reservation_back);
    CPPUNIT_TEST_SUITE_END();

public:
    void setUp() override { t_ = std::make_unique<test::TestApp>(); }
    void tearDown() override {
        throttle_.reset();
        t_.reset();
    }

    void four_failures_do_not_block() {
        fail("a@x.test", "10.0.0.1", 4);
        CPPUNIT_ASSERT(!throttle().retry_after("a@x.test", "10.0.0.1"));
    }

    void fifth_failure_blocks_with_a_bounded_wait() {
        fail("a@x.test", "10.0.0.1", 5);
        auto wait = throttle().retry_after("a@x.test", "10.0.0.1");
        CPPUNIT_ASSERT(wait);
        CPPUNIT_ASSERT(*wait > 0);
        CPPUNIT_ASSERT(*wait <= auth::LoginThrottle::kWindow);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(900), auth::LoginThrottle::kWindow);
    }

    void wait_shrinks_as_time_passes() {
        fail("a@x.test", "10.0.0.1", 5);
        t_->clock->advance(600);
        auto wait = throttle().retry_after("a@x.test", "10.0.0.1");
        CPPUNIT_ASSERT(wait);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(300), *wait);
    }

    void window_passing_unblocks() {
        fail("a@x.test", "10.0.0.1", 5);
        t_->clock->advance(899);
        CPPUNIT_ASSERT(throttle().retry_after("a@x.test", "10.0.0.1"));
        t_->clock->advance(1);
        CPPUNIT_ASSERT(!throttle().retry_after("a@x.test", "10.0.0.1"));
    }

    void old_failures_fall_out_of_the_window() {
        // One failure every 4 minutes never reaches 5 inside 15 minutes.
        for (int i = 0; i < 10; ++i) {
            record("a@x.test", "10.0.0.1");
            CPPUNIT_ASSERT_MESSAGE(std::to_string(i), !throttle().retry_after("a@x.test", "10.0.0.1"));
            t_->clock->advance(240);
        }
    }

    void email_blocks_across_client_addresses() {
        // Credential stuffing from rotating addresses still counts per account.
        for (int i = 0; i < 5; ++i) record("a@x.test", "10.0.1." + std::to_string(i));
        CPPUNIT_ASSERT(throttle().retry_after("a@x.test", "203.0.113.9"));
    }

    void email_compare_ignores_case() {
        fail("Alice@X.test", "10.0.0.1", 3);
        fail("ALICE@x.TEST", "10.0.0.2", 2);
        CPPUNIT_ASSERT(throttle().retry_after("alice@x.test", "10.0.0.3"));
        CPPUNIT_ASSERT(throttle().retry_after("ALICE@X.TEST", "10.0.0.3"));
    }

    void other_emails_are_not_blocked_by_one() {
        fail("a@x.test", "10.0.0.1", 5);
        CPPUNIT_ASSERT(!throttle().retry_after("b@x.test", "10.0.0.2"));
        // The same address is fine for another account below its own limit.
        CPPUNIT_ASSERT(!throttle().retry_after("b@x.test", "10.0.0.1"));
    }

    void twenty_failures_from_one_address_block_it() {
        for (int i = 0; i < 19; ++i) record("user" + std::to_string(i) + "@x.test", "198.51.100.7");
        CPPUNIT_ASSERT(!throttle().retry_after("new@x.test", "198.51.100.7"));
        record("user19@x.test", "198.51.100.7");
        auto wait = throttle().retry_after("new@x.test", "198.51.100.7");
        CPPUNIT_ASSERT(wait);
        CPPUNIT_ASSERT(*wait > 0 && *wait <= 900);
        CPPUNIT_ASSERT(!throttle().retry_after("new@x.test", "198.51.100.8"));
        t_->clock->advance(900);
        CPPUNIT_ASSERT(!throttle().retry_after("new@x.test", "198.51.100.7"));
    }

    void clear_unblocks_only_that_email() {
        fail("a@x.test", "10.0.0.1", 5);
        fail("b@x.test", "10.0.0.2", 5);
        throttle().clear("A@X.TEST");
        CPPUNIT_ASSERT(!throttle().retry_after("a@x.test", "10.0.0.3"));
        CPPUNIT_ASSERT(throttle().retry_after("b@x.test", "10.0.0.3"));
    }

    void state_is_shared_through_the_database() {
        // Another process (CGI: every request; on PostgreSQL, another
        // node) sees the same counts.
        fail("a@x.test", "10.0.0.1", 5);
        auto second = auth::open_store(t_->app->config(), *t_->clock);
        auth::LoginThrottle other(second->throttle(), *t_->clock);
        CPPUNIT_ASSERT(other.retry_after("a@x.test", "10.0.0.1"));
    }

    void a_blocked_reservation_records_nothing() {
        fail("a@x.test", "10.0.0.1", 5);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(5), test::login_failures_for(*t_->app, "a@x.test"));
        auto slot = throttle().reserve("a@x.test", "10.0.0.1");
        CPPUNIT_ASSERT(slot.retry_after);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), slot.id);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(5), test::login_failures_for(*t_->app, "a@x.test"));
    }

    void success_takes_the_reservation_back() {
        // Reserved before the verify: four earlier failures and this attempt
        // make five, so a sixth may not start while this one verifies.
        fail("a@x.test", "10.0.0.1", 4);
        auto slot = throttle().reserve("a@x.test", "10.0.0.1");
        CPPUNIT_ASSERT(!slot.retry_after);
        CPPUNIT_ASSERT(throttle().retry_after("a@x.test", "10.0.0.2"));
        throttle().succeeded(slot.id, "a@x.test");
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), test::login_failures_for(*t_->app, "a@x.test"));
        CPPUNIT_ASSERT(!throttle().retry_after("a@x.test", "10.0.0.1"));
    }

private:
    // The policy over the app's store, as the account service uses it.
    auth::LoginThrottle& throttle() {
        if (!throttle_) throttle_ = std::make_unique<auth::LoginThrottle>(t_->app->store().throttle(), *t_->clock);
        return *throttle_;
    }
    std::unique_ptr<auth::LoginThrottle> throttle_;

    // A failed attempt: reserved, never taken back.
    void record(const std::string& email, const std::string& ip) { throttle().reserve(email, ip); }

    void fail(const std::string& email, const std::string& ip, int times) {
        for (int i = 0; i < times; ++i) record(email, ip);
    }

    std::unique_ptr<test::TestApp> t_;
};

CPPUNIT_TEST_SUITE_REGISTRATION(ThrottleTest);
