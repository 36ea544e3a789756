// Tests for the session list (pages::profile under /profile/sessions): the
// person's live sessions only, with browser, address and times, the current
// one marked; ending one (by an opaque row id) or all others, each with the
// current password; forged, foreign and stale row ids refused.
#include <cppunit/extensions/HelperMacros.h>

#include <regex>

#include "core/crypto.hh"
#include "store/sqlite/db.hh"
#include "pages/pages.hh"
#include "support.hh"

using test::Browser;

using test::contains;

namespace {

const std::string kBase = "http://127.0.0.1:8080";
const std::string kFirefox = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
const std::string kIphone =
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 "
    "Mobile/15E148 Safari/604.1";

// The row ids of the "Log out" buttons, in page order.
std::vector<std::string> row_ids(const std::string& body) {
    std::vector<std::string> ids;
    std::regex re("name=\"session\" value=\"([^\"]*)\"");
    for (std::sregex_iterator it(body.begin(), body.end(), re), end; it != end; ++it) ids.push_back((*it)[1]);
    return ids;
}

struct Person {
    auth::App& app;
    std::int64_t id;
    Browser b;
    Person(auth::App& a, const std::string& email, const std::string& name) : app(a), id(test::make_user(a, email, test::kGoodPassword, name)), b(a) {
        CPPUNIT_ASSERT_EQUAL(303, test::log_in(b, email, test::kGoodPassword).status);
    }
    // Another browser of this person, logged in from `ip` with `ua`.
    Browser other(const std::string& ip, const std::string& ua) {
        Browser o(app);
        o.cookies()[app.cookie_name("sid")] = app.store().sessions().create(id, ip, ua);
        return o;
    }
    auth::Response list() { return b.get(pages::profile, "/profile/sessions"); }
    // The forms need a CSRF token: the profile page always has one.
    auth::Response end(const std::string& row, const std::string& password = test::kGoodPassword) {
        b.get(pages::profile, "/profile");
        return b.post(pages::profile, "/profile/sessions/revoke", {{"session", row}, {"current_password", password}});
    }
    auth::Response end_others(const std::string& password = test::kGoodPassword) {
        b.get(pages::profile, "/profile");
        return b.post(pages::profile, "/profile/sessions/revoke-others", {{"current_password", password}});
    }
};

bool alive(Browser& b) { return b.get(pages::profile, "/profile").status == 200; }

class SessionsPageTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(SessionsPageTest);
    CPPUNIT_TEST(lists_own_live_sessions_with_details);
    CPPUNIT_TEST(row_ids_are_opaque);
    CPPUNIT_TEST(list_is_a_table_with_labels);
    CPPUNIT_TEST(only_this_session);
    CPPUNIT_TEST(end_one_session);
    CPPUNIT_TEST(end_one_needs_the_password);
    CPPUNIT_TEST(forged_or_foreign_row_is_refused);
    CPPUNIT_TEST(current_row_cannot_be_ended_here);
    CPPUNIT_TEST(end_all_others);
    CPPUNIT_TEST(needs_csrf_and_a_session);
    CPPUNIT_TEST(methods_and_paths);
    CPPUNIT_TEST(store_lists_and_ends_only_the_users_sessions);
    CPPUNIT_TEST_SUITE_END();

public:
    void lists_own_live_sessions_with_details() {
        test::TestApp t;
        Person ada(*t.app, "ada@example.test", "Ada");
        t.clock->advance(120);
        Browser laptop = ada.other("192.0.2.10", kFirefox);
        Browser phone = ada.other("2001:db8::7", kIphone);
        Person bob(*t.app, "bob@example.test", "Bob");
        Browser bobs = bob.other("198.51.100.99", kFirefox);
        t.clock->advance(60);
        auth::Response r = ada.list();
        CPPUNIT_ASSERT_EQUAL(200, r.status);
        CPPUNIT_ASSERT(contains(r.body, "<th scope=\"row\">Firefox on Linux</th>"));
        CPPUNIT_ASSERT(contains(r.body, "<th scope=\"row\">Safari on iOS</th>"));
        CPPUNIT_ASSERT(contains(r.body, "<td>192.0.2.10</td>"));
        CPPUNIT_ASSERT(contains(r.body, "<td>2001:db8::7</td>"));
        CPPUNIT_ASSERT(contains(r.body, "<td>2027-01-15 08:00 UTC</td>"));  // the first login
        CPPUNIT_ASSERT(contains(r.body, "<td>2027-01-15 08:03 UTC</td>"));  // last seen now (this request)
        CPPUNIT_ASSERT(contains(r.body, "<tr class=\"current\">"));
        CPPUNIT_ASSERT(contains(r.body, "<strong>This browser</strong>"));
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), row_ids(r.body).size());
        CPPUNIT_ASSERT(!contains(r.body, "198.51.100.99"));  // not Bob's
        // Expired sessions are not listed.
        t.clock->advance(1800 - 60 - 1);
        CPPUNIT_ASSERT(alive(phone));  // the phone stays active; the laptop idles out
        t.clock->advance(2);
        r = ada.list();
        CPPUNIT_ASSERT(!contains(r.body, "192.0.2.10"));
        CPPUNIT_ASSERT(contains(r.body, "2001:db8::7"));
    }

    void row_ids_are_opaque() {
        test::TestApp t;
        Person ada(*t.app, "ada@example.test", "Ada");
        Browser laptop = ada.other("192.0.2.10", kFirefox);
        auth::Response r = ada.list();
        std::vector<std::string> ids = row_ids(r.body);
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), ids.size());
        CPPUNIT_ASSERT_EQUAL(std::size_t(22), ids[0].size());
        std::string secret = laptop.cookies()[t.app->cookie_name("sid")];
        CPPUNIT_ASSERT(!contains(r.body, secret));
        CPPUNIT_ASSERT(!contains(r.body, ada.b.cookies()[t.app->cookie_name("sid")]));
        CPPUNIT_ASSERT(!contains(secret, ids[0]));
        CPPUNIT_ASSERT(!contains(auth::base64url_encode(auth::token_digest(secret)), ids[0]));
        auto q = test::db(*t.app).query("SELECT max(id) FROM sessions");
        q.step();
        CPPUNIT_ASSERT(ids[0] != std::to_string(q.int64(0)));
        // Stable across requests (the list can be reloaded), not a nonce.
        CPPUNIT_ASSERT_EQUAL(ids[0], row_ids(ada.list().body).at(0));
    }

    void list_is_a_table_with_labels() {
        test::TestApp t;
        Person ada(*t.app, "ada@example.test", "Ada");
        ada.other("192.0.2.10", "<script>alert(1)</script>");
        auth::Response r = ada.list();
        CPPUNIT_ASSERT(contains(r.body, "<table class=\"sessions\">"));
        CPPUNIT_ASSERT(contains(r.body, "<th scope=\"col\">Browser</th>"));
        CPPUNIT_ASSERT(contains(r.body, "<label for=\"current_password\">Your password</label>"));
        CPPUNIT_ASSERT(contains(r.body, "autocomplete=\"current-password\""));
        CPPUNIT_ASSERT(contains(r.body, "form=\"end-sessions\" formaction=\"/profile/sessions/revoke\""));
        CPPUNIT_ASSERT(contains(r.body, "<form id=\"end-sessions\" method=\"post\" action=\"/profile/sessions/revoke-others\""));
        CPPUNIT_ASSERT(!contains(r.body, "<script>alert"));
        CPPUNIT_ASSERT(contains(r.body, "Unknown browser"));
        // The profile page links here.
        CPPUNIT_ASSERT(contains(ada.b.get(pages::profile, "/profile").body, "href=\"/profile/sessions\""));
    }

    void only_this_session() {
        test::TestApp t;
        Person ada(*t.app, "ada@example.test", "Ada");
        auth::Response r = ada.list();
        CPPUNIT_ASSERT(contains(r.body, "You are logged in only in this browser."));
        CPPUNIT_ASSERT(row_ids(r.body).empty());
        CPPUNIT_ASSERT(!contains(r.body, "revoke-others"));
    }

    void end_one_session() {
        test::TestApp t;
        Person ada(*t.app, "ada@example.test", "Ada");
        Browser laptop = ada.other("192.0.2.10", kFirefox);
        Browser phone = ada.other("192.0.2.20", kIphone);
        auth::Response page = ada.list();
        std::string laptop_row;
        for (const std::string& id : row_ids(page.body))
            if (contains(page.body, "value=\"" + id + "\" class=\"secondary\">Log out<span class=\"visually-hidden\"> Firefox on Linux"))
                laptop_row = id;
        CPPUNIT_ASSERT(!laptop_row.empty());
        auth::Response r = ada.end(laptop_row);
        CPPUNIT_ASSERT_EQUAL(303, r.status);
        CPPUNIT_ASSERT_EQUAL(kBase + "/profile/sessions", test::header_value(r, "Location"));
        CPPUNIT_ASSERT_EQUAL(std::string("session_ended"), test::set_cookie_value(r, "flash"));
        page = ada.list();
        CPPUNIT_ASSERT(contains(page.body, "That session has been ended."));
        CPPUNIT_ASSERT(!contains(page.body, "192.0.2.10"));
        CPPUNIT_ASSERT(!alive(laptop));
        CPPUNIT_ASSERT(alive(phone));
        CPPUNIT_ASSERT(alive(ada.b));
        // The same row again: gone.
        r = ada.end(laptop_row);
        CPPUNIT_ASSERT_EQUAL(404, r.status);
    }

    void end_one_needs_the_password() {
        test::TestApp t;
        Person ada(*t.app, "ada@example.test", "Ada");
        Browser laptop = ada.other("192.0.2.10", kFirefox);
        std::string row = row_ids(ada.list().body).at(0);
        auth::Response r = ada.end(row, "not my passphrase at all");
        CPPUNIT_ASSERT_EQUAL(403, r.status);
        CPPUNIT_ASSERT(contains(r.body, "<p class=\"error\" id=\"current_password-error\">Your current password is not right."));
        CPPUNIT_ASSERT(contains(r.body, "aria-describedby=\"current_password-hint current_password-error\""));
        CPPUNIT_ASSERT(alive(laptop));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), test::login_failures_for(*t.app, "ada@example.test"));
        r = ada.end(row, "");
        CPPUNIT_ASSERT_EQUAL(422, r.status);
        r = ada.end_others("");
        CPPUNIT_ASSERT_EQUAL(422, r.status);
        CPPUNIT_ASSERT(alive(laptop));
        // Someone holding only the laptop's cookie cannot shut Ada out.
        laptop.get(pages::profile, "/profile/sessions");
        std::string ada_row = row_ids(laptop.get(pages::profile, "/profile/sessions").body).at(0);
        for (int i = 0; i < 5; ++i)
            laptop.post(pages::profile, "/profile/sessions/revoke", {{"session", ada_row}, {"current_password", "guess " + std::to_string(i)}});
        r = laptop.post(pages::profile, "/profile/sessions/revoke-others", {{"current_password", test::kGoodPassword}});
        CPPUNIT_ASSERT_EQUAL(429, r.status);  // throttled, even with the right one
        CPPUNIT_ASSERT(alive(ada.b));
    }

    void forged_or_foreign_row_is_refused() {
        test::TestApp t;
        Person ada(*t.app, "ada@example.test", "Ada");
        Person bob(*t.app, "bob@example.test", "Bob");
        Browser bobs_phone = bob.other("198.51.100.5", kIphone);
        std::string bob_row = row_ids(bob.list().body).at(0);  // a real row id, of Bob's
        auth::Response r = ada.end(bob_row);
        CPPUNIT_ASSERT_EQUAL(404, r.status);
        CPPUNIT_ASSERT(contains(r.body, "That session has already ended, or it is not one of yours."));
        CPPUNIT_ASSERT(contains(r.body, "id=\"session-error\""));
        CPPUNIT_ASSERT(alive(bobs_phone));
        CPPUNIT_ASSERT(alive(bob.b));
        // Guessed ids: a database id, a session token, garbage.
        auto q = test::db(*t.app).query("SELECT id FROM sessions WHERE user_id = ?");
        q.bind(1, bob.id);
        q.step();
        std::string db_id = std::to_string(q.int64(0));
        for (const std::string& guess : {db_id, bobs_phone.cookies()[t.app->cookie_name("sid")], std::string(22, 'A'),
                                         std::string(""), std::string("' OR 1=1 --")}) {
            r = ada.end(guess);
            CPPUNIT_ASSERT_EQUAL_MESSAGE(guess, 404, r.status);
        }
        CPPUNIT_ASSERT(alive(bobs_phone));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(2), test::session_count(*t.app, bob.id));
        // Ending all others ends none of Bob's.
        CPPUNIT_ASSERT_EQUAL(303, ada.end_others().status);
        CPPUNIT_ASSERT(alive(bobs_phone));
    }

    void current_row_cannot_be_ended_here() {
        test::TestApp t;
        Person ada(*t.app, "ada@example.test", "Ada");
        Browser laptop = ada.other("192.0.2.10", kFirefox);
        // The laptop's list offers Ada's browser, and Ada's lists the laptop: each
        // row id of the other is the current row of the one.
        std::string ada_current = row_ids(laptop.get(pages::profile, "/profile/sessions").body).at(0);
        auth::Response r = ada.end(ada_current);
        CPPUNIT_ASSERT_EQUAL(422, r.status);
        CPPUNIT_ASSERT(contains(r.body, "That is the session you are using now: to end it, log out."));
        CPPUNIT_ASSERT(alive(ada.b));
    }

    void end_all_others() {
        test::TestApp t;
        Person ada(*t.app, "ada@example.test", "Ada");
        Browser laptop = ada.other("192.0.2.10", kFirefox);
        Browser phone = ada.other("192.0.2.20", kIphone);
        auth::Response r = ada.end_others();
        CPPUNIT_ASSERT_EQUAL(303, r.status);
        CPPUNIT_ASSERT_EQUAL(std::string("other_sessions_ended"), test::set_cookie_value(r, "flash"));
        CPPUNIT_ASSERT(!test::sets_cookie(r, "sid"));  // the current session stays as it is
        CPPUNIT_ASSERT(contains(ada.list().body, "All your other sessions have been ended."));
        CPPUNIT_ASSERT(!alive(laptop));
        CPPUNIT_ASSERT(!alive(phone));
        CPPUNIT_ASSERT(alive(ada.b));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), test::session_count(*t.app, ada.id));
    }

    void needs_csrf_and_a_session() {
        test::TestApp t;
        Person ada(*t.app, "ada@example.test", "Ada");
        Browser laptop = ada.other("192.0.2.10", kFirefox);
        std::string row = row_ids(ada.list().body).at(0);
        auth::Response r = ada.b.post(pages::profile, "/profile/sessions/revoke",
                                      {{"session", row}, {"current_password", test::kGoodPassword}, {"csrf_token", ""}});
        CPPUNIT_ASSERT_EQUAL(403, r.status);
        auth::Request rq = test::post_from(ada.b, "/profile/sessions/revoke-others", {{"current_password", test::kGoodPassword}});
        rq.sec_fetch_site = "cross-site";
        CPPUNIT_ASSERT_EQUAL(403, pages::profile(rq, *t.app).status);
        CPPUNIT_ASSERT(alive(laptop));
        Browser stranger(*t.app);
        r = stranger.get(pages::profile, "/profile/sessions");
        CPPUNIT_ASSERT_EQUAL(303, r.status);
        CPPUNIT_ASSERT_EQUAL(kBase + "/login?next=/profile/sessions", test::header_value(r, "Location"));
        stranger.get(pages::login, "/login");
        r = stranger.post(pages::profile, "/profile/sessions/revoke-others", {{"current_password", test::kGoodPassword}});
        CPPUNIT_ASSERT_EQUAL(303, r.status);
        CPPUNIT_ASSERT(alive(laptop));
    }

    void methods_and_paths() {
        test::TestApp t;
        Person ada(*t.app, "ada@example.test", "Ada");
        auth::Response r = ada.b.post(pages::profile, "/profile/sessions", {});
        CPPUNIT_ASSERT_EQUAL(405, r.status);
        CPPUNIT_ASSERT_EQUAL(std::string("GET, HEAD"), test::header_value(r, "Allow"));
        for (const char* path : {"/profile/sessions/revoke", "/profile/sessions/revoke-others"}) {
            r = ada.b.get(pages::profile, path);
            CPPUNIT_ASSERT_EQUAL(303, r.status);
            CPPUNIT_ASSERT_EQUAL(kBase + "/profile/sessions", test::header_value(r, "Location"));
            auth::Request del = test::get_from(ada.b, path);
            del.method = "DELETE";
            CPPUNIT_ASSERT_EQUAL(405, pages::profile(del, *t.app).status);
        }
        for (const char* path : {"/profile/sessions/", "/profile/sessions/x", "/profile/sessionsx", "/profile/sessions/revoke/1"})
            CPPUNIT_ASSERT_EQUAL_MESSAGE(path, 404, ada.b.get(pages::profile, path).status);
    }

    void store_lists_and_ends_only_the_users_sessions() {
        test::TestApp t;
        std::int64_t a = test::make_user(*t.app, "a@example.test", test::kGoodPassword);
        std::int64_t b = test::make_user(*t.app, "b@example.test", test::kGoodPassword);
        t.app->store().sessions().create(a, "10.0.0.1", "ua-1");
        t.clock->advance(100);
        t.app->store().sessions().create(a, "10.0.0.2", std::string(300, 'u'));
        t.app->store().sessions().create(b, "10.0.0.3", "ua-3");
        auto list = t.app->store().sessions().list_for_user(a);
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), list.size());
        CPPUNIT_ASSERT_EQUAL(std::string("10.0.0.2"), list[0].client_ip);  // most recently seen first
        CPPUNIT_ASSERT_EQUAL(std::size_t(256), list[0].user_agent.size());
        CPPUNIT_ASSERT_EQUAL(std::string("ua-1"), list[1].user_agent);
        CPPUNIT_ASSERT_EQUAL(t.clock->now() - 100, list[1].created_at);
        std::int64_t bs = t.app->store().sessions().list_for_user(b).at(0).id;
        CPPUNIT_ASSERT(!t.app->store().sessions().destroy_for_user(a, bs));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), test::session_count(*t.app, b));
        CPPUNIT_ASSERT(t.app->store().sessions().destroy_for_user(a, list[1].id));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), test::session_count(*t.app, a));
        t.clock->advance(1800 - 100);  // the first would be idle now; the second has 100 s left
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), t.app->store().sessions().list_for_user(a).size());
        t.clock->advance(100);
        CPPUNIT_ASSERT(t.app->store().sessions().list_for_user(a).empty());
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(SessionsPageTest);

}  // namespace
