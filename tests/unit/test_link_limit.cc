// Tests for the limit on failed link confirmations (Accounts::link_wait and
// link_failed): 20 unknown, damaged, expired or used reset, email-change and
// sign-up links from one client address in an hour, then 429 with Retry-After for
// any link, good ones too, until the oldest failure is an hour old; other
// addresses go on; an IPv6 client counts by its /64.
#include <cppunit/extensions/HelperMacros.h>

#include <string>

#include "account/accounts.hh"
#include "pages/pages.hh"
#include "web/app.hh"
#include "support.hh"

using test::Browser;

namespace {

const auth::Client kFrom{"198.51.100.7", "unit-test", "req-test"};
const char* const kBadToken = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

auth::Request from(auth::Request r, const std::string& ip) {
    r.remote_addr = ip;
    return r;
}

}  // namespace

class LinkLimitTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(LinkLimitTest);
    CPPUNIT_TEST(twenty_failures_an_hour_then_every_link_waits);
    CPPUNIT_TEST(good_links_do_not_count);
    CPPUNIT_TEST(ipv6_clients_count_by_their_64);
    CPPUNIT_TEST(reset_and_email_links_share_the_count);
    CPPUNIT_TEST(sign_up_links_count_too);
    CPPUNIT_TEST(the_pages_answer_429_with_retry_after);
    CPPUNIT_TEST_SUITE_END();

public:
    void setUp() override { t_ = std::make_unique<test::TestApp>(); }
    void tearDown() override { t_.reset(); }

    void twenty_failures_an_hour_then_every_link_waits() {
        auth::Accounts& accounts = t_->app->accounts;
        for (int i = 0; i < t_->app->config().link_failures_per_hour; ++i) {
            CPPUNIT_ASSERT(!accounts.link_wait(kFrom));
            auth::LinkCheck c = accounts.check_reset_link(i % 2 ? kBadToken : "short", kFrom);
            CPPUNIT_ASSERT_EQUAL(std::int64_t(0), c.retry_after);
            CPPUNIT_ASSERT(c.state != auth::TokenState::Valid);
            t_->clock->advance(60);
        }
        auto wait = accounts.link_wait(kFrom);
        CPPUNIT_ASSERT(wait);
        // The first failure was 20 minutes ago: it leaves the window in 40.
        CPPUNIT_ASSERT_EQUAL(std::int64_t(3600 - 20 * 60), *wait);
        // A valid link waits too (else guessing would only cost a good link now and then).
        std::int64_t uid = test::make_user(*t_->app, "ada@example.test", test::kGoodPassword);
        std::string token = t_->app->store().reset_tokens().issue(uid);
        auth::LinkCheck c = accounts.check_reset_link(token, kFrom);
        CPPUNIT_ASSERT_EQUAL(*wait, c.retry_after);
        CPPUNIT_ASSERT(!c.user);
        auth::ResetOutcome r = accounts.reset_password(token, "violet kettle under the moon", "violet kettle under the moon", kFrom);
        CPPUNIT_ASSERT(r.result == auth::ResetResult::Throttled);
        // Another address goes on.
        CPPUNIT_ASSERT(accounts.check_reset_link(token, {"198.51.100.8", "x", ""}).state == auth::TokenState::Valid);
        // Once the oldest failure is an hour old, one more try.
        t_->clock->advance(*wait);
        CPPUNIT_ASSERT(!accounts.link_wait(kFrom));
        token = t_->app->store().reset_tokens().issue(uid);  // the first one has expired meanwhile
        CPPUNIT_ASSERT(accounts.check_reset_link(token, kFrom).state == auth::TokenState::Valid);
        // Housekeeping forgets what is past the hour.
        t_->clock->advance(3600);
        accounts.housekeeping();
        auto q = test::db(*t_->app).query("SELECT count(*) FROM link_failures");
        q.step();
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), q.int64(0));
    }

    void good_links_do_not_count() {
        std::int64_t uid = test::make_user(*t_->app, "ada@example.test", test::kGoodPassword);
        std::string token = t_->app->store().reset_tokens().issue(uid);
        for (int i = 0; i < 50; ++i)
            CPPUNIT_ASSERT(t_->app->accounts.check_reset_link(token, kFrom).state == auth::TokenState::Valid);
        CPPUNIT_ASSERT(!t_->app->accounts.link_wait(kFrom));
    }

    void ipv6_clients_count_by_their_64() {
        auth::Accounts& accounts = t_->app->accounts;
        for (int i = 0; i < t_->app->config().link_failures_per_hour; ++i)
            accounts.check_email_link(kBadToken, {"2001:db8:5:6::" + std::to_string(i + 1), "x", ""});
        CPPUNIT_ASSERT(accounts.link_wait({"2001:db8:5:6:ffff:1:2:3", "x", ""}));
        CPPUNIT_ASSERT(!accounts.link_wait({"2001:db8:5:7::1", "x", ""}));
        CPPUNIT_ASSERT(!accounts.link_wait({"198.51.100.7", "x", ""}));
    }

    void reset_and_email_links_share_the_count() {
        auth::Accounts& accounts = t_->app->accounts;
        for (int i = 0; i < t_->app->config().link_failures_per_hour / 2; ++i) {
            accounts.check_reset_link(kBadToken, kFrom);
            auto done = accounts.confirm_email_change(kBadToken, kFrom, std::nullopt);
            CPPUNIT_ASSERT(done.result == auth::EmailConfirmResult::BadLink);
        }
        auto done = accounts.confirm_email_change(kBadToken, kFrom, std::nullopt);
        CPPUNIT_ASSERT(done.result == auth::EmailConfirmResult::TooManyLinks);
        CPPUNIT_ASSERT(done.retry_after > 0);
        CPPUNIT_ASSERT(accounts.check_email_link(kBadToken, kFrom).retry_after > 0);
    }

    void sign_up_links_count_too() {
        auth::Accounts& accounts = t_->app->accounts;
        for (int i = 0; i < t_->app->config().link_failures_per_hour / 2; ++i) {
            CPPUNIT_ASSERT(accounts.check_signup_link(kBadToken, kFrom).state != auth::TokenState::Valid);
            auto done = accounts.confirm_signup(kBadToken, "some password", kFrom);
            CPPUNIT_ASSERT(done.result == auth::SignupConfirmResult::BadLink);
        }
        auto done = accounts.confirm_signup(kBadToken, "some password", kFrom);
        CPPUNIT_ASSERT(done.result == auth::SignupConfirmResult::TooManyLinks);
        CPPUNIT_ASSERT(done.retry_after > 0);
        CPPUNIT_ASSERT(accounts.check_signup_link(kBadToken, kFrom).retry_after > 0);
        CPPUNIT_ASSERT(accounts.check_reset_link(kBadToken, kFrom).retry_after > 0);
    }

    void the_pages_answer_429_with_retry_after() {
        Browser b(*t_->app);
        b.get(pages::reset, "/reset");
        for (int i = 0; i < t_->app->config().link_failures_per_hour; ++i) {
            auth::Response r = pages::reset(from(test::get_from(b, "/reset/confirm", {{"token", kBadToken}}), "192.0.2.99"), *t_->app);
            CPPUNIT_ASSERT_EQUAL(404, r.status);
        }
        using Page = auth::Response (*)(const auth::Request&, auth::App&);
        const std::pair<Page, const char*> confirms[] = {{pages::reset, "/reset/confirm"},
                                                         {pages::profile, "/profile/email/confirm"},
                                                         {pages::register_account, "/register/confirm"}};
        for (const auto& [program, path] : confirms) {
            auth::Response r = program(from(test::get_from(b, path, {{"token", kBadToken}}), "192.0.2.99"), *t_->app);
            CPPUNIT_ASSERT_EQUAL_MESSAGE(path, 429, r.status);
            CPPUNIT_ASSERT_EQUAL_MESSAGE(path, std::string("3600"), test::header_value(r, "Retry-After"));
            CPPUNIT_ASSERT_MESSAGE(r.body, test::contains(r.body, "Too many links"));
            r = program(from(test::post_from(b, path, {{"token", kBadToken}, {"password", "x"}, {"password_confirm", "x"}}),
                             "192.0.2.99"),
                        *t_->app);
            CPPUNIT_ASSERT_EQUAL_MESSAGE(path, 429, r.status);
            CPPUNIT_ASSERT(!test::header_value(r, "Retry-After").empty());
        }
        // Another address is not held up.
        auth::Response r = pages::reset(from(test::get_from(b, "/reset/confirm", {{"token", kBadToken}}), "192.0.2.100"), *t_->app);
        CPPUNIT_ASSERT_EQUAL(404, r.status);
    }

private:
    std::unique_ptr<test::TestApp> t_;
};

CPPUNIT_TEST_SUITE_REGISTRATION(LinkLimitTest);
