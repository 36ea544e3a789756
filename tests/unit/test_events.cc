// Tests for the security event log (account/events.hh): one helper writes a
// row and one error-log line per event, every value escaped so that no
// input can make a second line; the store's reads, filters and purges.
#include <cppunit/extensions/HelperMacros.h>

#include <algorithm>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "account/events.hh"
#include "core/log.hh"
#include "core/user_agent.hh"
#include "pages/pages.hh"
#include "web/app.hh"
#include "support.hh"

namespace {

const auth::Client kFirefox{"203.0.113.9", "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0",
                            "Req00001"};

std::int64_t count_lines(const std::string& text) { return std::count(text.begin(), text.end(), '\n'); }

}  // namespace

class EventsTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(EventsTest);
    CPPUNIT_TEST(record_writes_a_row_and_one_log_line);
    CPPUNIT_TEST(the_line_escapes_control_characters_quotes_and_backslashes);
    CPPUNIT_TEST(a_forged_second_line_stays_on_the_first);
    CPPUNIT_TEST(no_account_is_kept_as_null);
    CPPUNIT_TEST(browser_family_is_a_word_from_the_list);
    CPPUNIT_TEST(outcome_names);
    CPPUNIT_TEST(for_user_is_newest_first_and_limited);
    CPPUNIT_TEST(query_filters_by_each_field);
    CPPUNIT_TEST(purge_keeps_the_retention_period);
    CPPUNIT_TEST(forget_user_deletes_only_that_account);
    CPPUNIT_TEST(housekeeping_purges_by_event_retention_days);
    CPPUNIT_TEST(long_values_are_cut);
    CPPUNIT_TEST(request_ids_are_new_each_time);
    CPPUNIT_TEST(the_account_service_records_its_events);
    CPPUNIT_TEST(a_refused_csrf_token_is_an_event);
    CPPUNIT_TEST(throttled_logins_are_the_accounts_events);
    CPPUNIT_TEST_SUITE_END();

public:
    void setUp() override { t_ = std::make_unique<test::TestApp>(); }
    void tearDown() override { t_.reset(); }

    void record_writes_a_row_and_one_log_line() {
        test::CaptureStderr err;
        auth::Event e = log().record(kFirefox, auth::events::kLogin, auth::Outcome::Failed, 42, "password");
        CPPUNIT_ASSERT(e.id > 0);
        std::string text = err.text();
        CPPUNIT_ASSERT_EQUAL(std::int64_t{1}, count_lines(text));
        CPPUNIT_ASSERT(test::contains(text, "event name=\"login\" outcome=\"failed\" request=\"Req00001\" user=\"42\" "
                                            "ip=\"203.0.113.9\" browser=\"Firefox\" actor=\"\" detail=\"password\"\n"));
        auto rows = log().for_user(42);
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, rows.size());
        const auth::Event& row = rows[0];
        CPPUNIT_ASSERT_EQUAL(e.id, row.id);
        CPPUNIT_ASSERT_EQUAL(t_->clock->now(), row.at);
        CPPUNIT_ASSERT_EQUAL(std::string("Req00001"), row.request_id);
        CPPUNIT_ASSERT_EQUAL(std::string("login"), row.name);
        CPPUNIT_ASSERT_EQUAL(std::string("failed"), row.outcome);
        CPPUNIT_ASSERT_EQUAL(std::int64_t{42}, *row.user_id);
        CPPUNIT_ASSERT_EQUAL(std::string("203.0.113.9"), row.client_ip);
        CPPUNIT_ASSERT_EQUAL(std::string("Firefox"), row.browser);
        CPPUNIT_ASSERT_EQUAL(std::string(""), row.actor);
        CPPUNIT_ASSERT_EQUAL(std::string("password"), row.detail);
    }

    void the_line_escapes_control_characters_quotes_and_backslashes() {
        auth::Event e;
        e.name = "x";
        e.outcome = "ok";
        e.detail = std::string("a\nb\"c\\d\x7f" "e\r\tf\x1b", 13);
        e.actor = "root\" detail=\"forged";
        std::string line = auth::event_line(e);
        CPPUNIT_ASSERT(test::contains(line, "detail=\"a\\x0ab\\x22c\\x5cd\\x7fe\\x0d\\x09f\\x1b\""));
        CPPUNIT_ASSERT(test::contains(line, "actor=\"root\\x22 detail=\\x22forged\""));
        CPPUNIT_ASSERT(line.find('\n') == std::string::npos);
        // Every quote in the line is one of the fields' own: two per field.
        CPPUNIT_ASSERT_EQUAL(std::ptrdiff_t{16}, std::count(line.begin(), line.end(), '"'));
        // A NUL byte too.
        e.detail = std::string("a\0b", 3);
        CPPUNIT_ASSERT(test::contains(auth::event_line(e), "detail=\"a\\x00b\""));
    }

    void a_forged_second_line_stays_on_the_first() {
        test::CaptureStderr err;
        auth::Client c = kFirefox;
        c.request_id = "r\n2026-01-01T00:00:00Z auth-login: event name=\"login\" outcome=\"ok\"";
        log().record(c, auth::events::kLogin, auth::Outcome::Failed, std::nullopt, "x\r\ny", "admin\n");
        std::string text = err.text();
        CPPUNIT_ASSERT_EQUAL(std::int64_t{1}, count_lines(text));
        CPPUNIT_ASSERT(test::contains(text, "request=\"r\\x0a2026-01-01T00:00:00Z auth-login: event name=\\x22login\\x22"));
        CPPUNIT_ASSERT(test::contains(text, "detail=\"x\\x0d\\x0ay\""));
        CPPUNIT_ASSERT(test::contains(text, "actor=\"admin\\x0a\""));
        // Words outside the fields are escaped by log_fields_line itself.
        test::CaptureStderr raw;
        auth::log_fields_line("one\ntwo");
        CPPUNIT_ASSERT_EQUAL(std::int64_t{1}, count_lines(raw.text()));
        CPPUNIT_ASSERT(test::contains(raw.text(), "one\\x0atwo"));
    }

    void no_account_is_kept_as_null() {
        test::CaptureStderr err;
        auth::Event e = log().record(kFirefox, auth::events::kLogin, auth::Outcome::Failed, std::nullopt);
        CPPUNIT_ASSERT(test::contains(err.text(), " user=\"\" "));
        auth::EventFilter all;
        auto rows = log().query(all);
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, rows.size());
        CPPUNIT_ASSERT(!rows[0].user_id);
        auto q = test::db(*t_->app).query("SELECT count(*) FROM events WHERE user_id IS NULL");
        q.step();
        CPPUNIT_ASSERT_EQUAL(std::int64_t{1}, q.int64(0));
    }

    void browser_family_is_a_word_from_the_list() {
        CPPUNIT_ASSERT_EQUAL(std::string("Firefox"), auth::browser_family(kFirefox.user_agent));
        CPPUNIT_ASSERT_EQUAL(std::string("Chrome"),
                             auth::browser_family("Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"));
        CPPUNIT_ASSERT_EQUAL(std::string("Edge"), auth::browser_family("Mozilla/5.0 Chrome/120.0 Safari/537.36 Edg/120.0"));
        CPPUNIT_ASSERT_EQUAL(std::string("Unknown"), auth::browser_family("evil\n\"browser\""));
        CPPUNIT_ASSERT_EQUAL(std::string("Unknown"), auth::browser_family(""));
        test::CaptureStderr err;
        auth::Client c = kFirefox;
        c.user_agent = "Firefox/1\nforged";
        CPPUNIT_ASSERT_EQUAL(std::string("Firefox"), log().record(c, "x", auth::Outcome::Ok, 1).browser);
        CPPUNIT_ASSERT(!test::contains(err.text(), "forged"));
    }

    void outcome_names() {
        CPPUNIT_ASSERT_EQUAL(std::string("ok"), std::string(auth::outcome_name(auth::Outcome::Ok)));
        CPPUNIT_ASSERT_EQUAL(std::string("failed"), std::string(auth::outcome_name(auth::Outcome::Failed)));
        CPPUNIT_ASSERT_EQUAL(std::string("refused"), std::string(auth::outcome_name(auth::Outcome::Refused)));
        CPPUNIT_ASSERT_EQUAL(std::string("throttled"), std::string(auth::outcome_name(auth::Outcome::Throttled)));
    }

    void for_user_is_newest_first_and_limited() {
        test::CaptureStderr quiet;
        for (int i = 0; i < 5; ++i) {
            log().record(kFirefox, "n" + std::to_string(i), auth::Outcome::Ok, 7);
            t_->clock->advance(10);
        }
        log().record(kFirefox, "other", auth::Outcome::Ok, 8);
        auto rows = log().for_user(7, 3);
        CPPUNIT_ASSERT_EQUAL(std::size_t{3}, rows.size());
        CPPUNIT_ASSERT_EQUAL(std::string("n4"), rows[0].name);
        CPPUNIT_ASSERT_EQUAL(std::string("n3"), rows[1].name);
        CPPUNIT_ASSERT_EQUAL(std::string("n2"), rows[2].name);
        // Same second: the later one first.
        log().record(kFirefox, "a", auth::Outcome::Ok, 9);
        log().record(kFirefox, "b", auth::Outcome::Ok, 9);
        CPPUNIT_ASSERT_EQUAL(std::string("b"), log().for_user(9, 1)[0].name);
    }

    void query_filters_by_each_field() {
        test::CaptureStderr quiet;
        std::int64_t t0 = t_->clock->now();
        log().record(kFirefox, "login", auth::Outcome::Ok, 1);
        t_->clock->advance(100);
        log().record(kFirefox, "login", auth::Outcome::Failed, 2);
        t_->clock->advance(100);
        log().record(kFirefox, "logout", auth::Outcome::Ok, 1, "", "alice");

        auth::EventFilter f;
        CPPUNIT_ASSERT_EQUAL(std::size_t{3}, log().query(f).size());
        f.name = "login";
        CPPUNIT_ASSERT_EQUAL(std::size_t{2}, log().query(f).size());
        f.outcome = "failed";
        auto rows = log().query(f);
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, rows.size());
        CPPUNIT_ASSERT_EQUAL(std::int64_t{2}, *rows[0].user_id);
        f = {};
        f.user_id = 1;
        rows = log().query(f);
        CPPUNIT_ASSERT_EQUAL(std::size_t{2}, rows.size());
        CPPUNIT_ASSERT_EQUAL(std::string("logout"), rows[0].name);
        CPPUNIT_ASSERT_EQUAL(std::string("alice"), rows[0].actor);
        f = {};
        f.since = t0 + 100;
        CPPUNIT_ASSERT_EQUAL(std::size_t{2}, log().query(f).size());
        f.until = t0 + 200;
        rows = log().query(f);
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, rows.size());
        CPPUNIT_ASSERT_EQUAL(std::int64_t{2}, *rows[0].user_id);
        f = {};
        f.limit = 2;
        CPPUNIT_ASSERT_EQUAL(std::size_t{2}, log().query(f).size());
    }

    void purge_keeps_the_retention_period() {
        test::CaptureStderr quiet;
        log().record(kFirefox, "old", auth::Outcome::Ok, 1);
        t_->clock->advance(89 * 86400);
        log().record(kFirefox, "recent", auth::Outcome::Ok, 1);
        t_->clock->advance(86400 + 1);  // "old" is now 90 days and 1 s old
        CPPUNIT_ASSERT_EQUAL(std::int64_t{1}, log().purge_older_than(90));
        auto rows = log().for_user(1);
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, rows.size());
        CPPUNIT_ASSERT_EQUAL(std::string("recent"), rows[0].name);
        CPPUNIT_ASSERT_EQUAL(std::int64_t{0}, log().purge_older_than(90));
    }

    void forget_user_deletes_only_that_account() {
        test::CaptureStderr quiet;
        log().record(kFirefox, "a", auth::Outcome::Ok, 1);
        log().record(kFirefox, "b", auth::Outcome::Ok, 2);
        log().record(kFirefox, "c", auth::Outcome::Ok, std::nullopt);
        t_->app->store().events().forget_user(1);
        CPPUNIT_ASSERT(log().for_user(1).empty());
        CPPUNIT_ASSERT_EQUAL(std::size_t{2}, log().query({}).size());
    }

    void housekeeping_purges_by_event_retention_days() {
        test::TestApp short_lived("http://127.0.0.1:8080", [](auth::Config& c) { c.event_retention_days = 2; });
        test::CaptureStderr quiet;
        auto& events = short_lived.app->accounts.events();
        events.record(kFirefox, "old", auth::Outcome::Ok, 1);
        short_lived.clock->advance(2 * 86400 - 10);
        events.record(kFirefox, "recent", auth::Outcome::Ok, 1);
        short_lived.app->accounts.housekeeping();
        CPPUNIT_ASSERT_EQUAL(std::size_t{2}, events.for_user(1).size());
        short_lived.clock->advance(11);
        short_lived.app->accounts.housekeeping();
        auto rows = events.for_user(1);
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, rows.size());
        CPPUNIT_ASSERT_EQUAL(std::string("recent"), rows[0].name);
    }

    void long_values_are_cut() {
        test::CaptureStderr quiet;
        auth::Event e = log().record(kFirefox, "x", auth::Outcome::Ok, 1, std::string(1000, 'd'), std::string(500, 'a'));
        CPPUNIT_ASSERT_EQUAL(std::size_t{256}, e.detail.size());
        CPPUNIT_ASSERT_EQUAL(std::size_t{128}, e.actor.size());
        CPPUNIT_ASSERT_EQUAL(std::size_t{256}, log().for_user(1)[0].detail.size());
    }

    void request_ids_are_new_each_time() {
        std::string a = auth::new_request_id(), b = auth::new_request_id();
        CPPUNIT_ASSERT_EQUAL(std::size_t{8}, a.size());
        CPPUNIT_ASSERT(a != b);
        CPPUNIT_ASSERT(a.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
                       std::string::npos);
        // From a per-process stream now: still no repeats, and another
        // thread's stream (another key) does not repeat this one's.
        std::set<std::string> seen{a, b};
        for (int i = 0; i < 2000; ++i) CPPUNIT_ASSERT(seen.insert(auth::new_request_id()).second);
        std::vector<std::string> theirs;
        std::thread other([&theirs] {
            for (int i = 0; i < 100; ++i) theirs.push_back(auth::new_request_id());
        });
        other.join();
        for (const std::string& id : theirs) CPPUNIT_ASSERT(seen.insert(id).second);
    }

    void the_account_service_records_its_events() {
        auth::App& app = *t_->app;
        auth::Accounts& a = app.accounts;
        const std::string email = "events@example.test";
        std::int64_t id = test::make_user(app, email, test::kGoodPassword);
        test::CaptureStderr err;
        a.log_in(email, "not the password at all", kFirefox);
        a.log_in("nobody@example.test", "whatever it is", kFirefox);
        auto in = a.log_in(email, test::kGoodPassword, kFirefox);
        CPPUNIT_ASSERT(in.result == auth::LoginResult::LoggedIn);
        auth::User user = *app.store().users().find_by_id(id);
        const std::string fresh = "a brand new passphrase 2026";
        a.change_password(user, {"wrong current password", ""}, fresh, fresh, kFirefox);
        auto changed = a.change_password(user, {test::kGoodPassword, ""}, fresh, fresh, kFirefox);
        CPPUNIT_ASSERT(changed.result == auth::PasswordChangeResult::Changed);
        a.log_out(changed.session_token, kFirefox, id);
        a.check_reset_link("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", kFirefox);

        auto mine = a.events().for_user(id);
        std::vector<std::string> seen;
        for (auto it = mine.rbegin(); it != mine.rend(); ++it) seen.push_back(it->name + " " + it->outcome);
        std::vector<std::string> expected = {"login failed", "login ok", "reauth failed", "password.changed ok",
                                             "logout ok"};
        CPPUNIT_ASSERT_EQUAL(expected.size(), seen.size());
        for (std::size_t i = 0; i < expected.size(); ++i) CPPUNIT_ASSERT_EQUAL(expected[i], seen[i]);
        for (const auth::Event& e : mine) {
            CPPUNIT_ASSERT_EQUAL(std::string("Req00001"), e.request_id);
            CPPUNIT_ASSERT_EQUAL(std::string("203.0.113.9"), e.client_ip);
            CPPUNIT_ASSERT_EQUAL(std::string("Firefox"), e.browser);
        }
        // The unknown address: an event without an account, and without the address.
        auth::EventFilter failed;
        failed.name = "login";
        failed.outcome = "failed";
        auto both = a.events().query(failed);
        CPPUNIT_ASSERT_EQUAL(std::size_t{2}, both.size());
        CPPUNIT_ASSERT(!both[0].user_id);
        CPPUNIT_ASSERT(!test::contains(err.text(), "nobody@example.test"));
        auth::EventFilter links;
        links.name = "link.bad";
        auto bad = a.events().query(links);
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, bad.size());
        CPPUNIT_ASSERT_EQUAL(std::string("reset unknown"), bad[0].detail);
        // Each event is one line of the log, and no password is in any.
        CPPUNIT_ASSERT(!test::contains(err.text(), test::kGoodPassword));
        CPPUNIT_ASSERT(!test::contains(err.text(), fresh));
        CPPUNIT_ASSERT(test::contains(err.text(), "event name=\"password.changed\" outcome=\"ok\""));
    }

    void throttled_logins_are_the_accounts_events() {
        auth::App& app = *t_->app;
        std::int64_t id = test::make_user(app, "held@example.test", test::kGoodPassword);
        test::CaptureStderr quiet;
        for (int i = 0; i < 6; ++i) app.accounts.log_in("held@example.test", "wrong password " + std::to_string(i), kFirefox);
        auto mine = app.accounts.events().for_user(id, 10);
        CPPUNIT_ASSERT_EQUAL(std::size_t{6}, mine.size());
        CPPUNIT_ASSERT_EQUAL(std::string("throttled"), mine[0].outcome);
        CPPUNIT_ASSERT_EQUAL(std::string("failed"), mine[1].outcome);
        // For an address without an account, no account and no address.
        for (int i = 0; i < 6; ++i) app.accounts.log_in("nobody@example.test", "wrong " + std::to_string(i), kFirefox);
        auth::EventFilter f;
        f.outcome = "throttled";
        auto held = app.accounts.events().query(f);
        CPPUNIT_ASSERT_EQUAL(std::size_t{2}, held.size());
        CPPUNIT_ASSERT(!held[0].user_id);
    }

    void a_refused_csrf_token_is_an_event() {
        test::LoggedIn in("csrf-events@example.test");
        test::CaptureStderr quiet;
        auth::Response r = in.b.post(pages::profile, "/profile", {{"name", "X"}, {"csrf_token", "forged"}});
        CPPUNIT_ASSERT_EQUAL(403, r.status);
        auth::EventFilter f;
        f.name = "csrf.refused";
        auto rows = in.t.app->accounts.events().query(f);
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, rows.size());
        CPPUNIT_ASSERT_EQUAL(in.id, *rows[0].user_id);
        CPPUNIT_ASSERT_EQUAL(std::string("refused"), rows[0].outcome);
        CPPUNIT_ASSERT_EQUAL(std::string("/profile"), rows[0].detail);
        CPPUNIT_ASSERT_EQUAL(std::size_t{8}, rows[0].request_id.size());
    }

private:
    auth::EventLog& log() { return t_->app->accounts.events(); }
    std::unique_ptr<test::TestApp> t_;
};

CPPUNIT_TEST_SUITE_REGISTRATION(EventsTest);
