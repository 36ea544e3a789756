// Tests for pages::logout (GET, POST /logout): the confirm form, ending the
// session on the server and in the browser, CSRF, methods.
#include <cppunit/extensions/HelperMacros.h>

#include "pages/pages.hh"
#include "support.hh"

using test::Browser;

using test::contains;

namespace {

const std::string kBase = "http://127.0.0.1:8080";
const std::string kEmail = "ada@example.test";

class LogoutPageTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(LogoutPageTest);
    CPPUNIT_TEST(get_without_session_redirects_home);
    CPPUNIT_TEST(get_with_stale_cookie_redirects_home_and_deletes_it);
    CPPUNIT_TEST(get_with_session_shows_confirm_form);
    CPPUNIT_TEST(get_does_not_end_the_session);
    CPPUNIT_TEST(post_ends_the_session);
    CPPUNIT_TEST(post_clears_the_browser);
    CPPUNIT_TEST(post_over_https_deletes_host_cookie);
    CPPUNIT_TEST(post_over_https_subpath_deletes_secure_cookie);
    CPPUNIT_TEST(home_after_logout_says_so);
    CPPUNIT_TEST(replayed_cookie_is_dead);
    CPPUNIT_TEST(other_sessions_survive);
    CPPUNIT_TEST(post_without_token_is_403_and_session_alive);
    CPPUNIT_TEST(post_with_wrong_token_is_403);
    CPPUNIT_TEST(post_with_token_of_other_session_is_403);
    CPPUNIT_TEST(post_cross_site_is_403);
    CPPUNIT_TEST(post_without_session_is_harmless);
    CPPUNIT_TEST(put_is_405);
    CPPUNIT_TEST(wrong_path_is_404);
    CPPUNIT_TEST_SUITE_END();

    struct LoggedIn {
        test::TestApp t;
        std::int64_t id;
        Browser b;
        std::string sid;
        explicit LoggedIn(const std::string& base = "http://127.0.0.1:8080")
            : t(base), id(test::make_user(*t.app, kEmail, test::kGoodPassword, "Ada")), b(*t.app) {
            auth::Response r = test::log_in(b, kEmail, test::kGoodPassword);
            CPPUNIT_ASSERT_EQUAL(303, r.status);
            sid = test::set_cookie_value(r, t.app->cookie_name("sid"));
            CPPUNIT_ASSERT(!sid.empty());
        }
    };

public:
    void get_without_session_redirects_home() {
        test::TestApp t;
        auth::Response r = pages::logout(test::get("/logout"), *t.app);
        CPPUNIT_ASSERT_EQUAL(303, r.status);
        CPPUNIT_ASSERT_EQUAL(kBase + "/", test::header_value(r, "Location"));
        CPPUNIT_ASSERT(r.body.empty());
    }

    void get_with_stale_cookie_redirects_home_and_deletes_it() {
        LoggedIn s;
        s.t.clock->advance(s.t.app->config().session_idle_timeout + 1);
        auth::Response r = s.b.get(pages::logout, "/logout");
        CPPUNIT_ASSERT_EQUAL(303, r.status);
        CPPUNIT_ASSERT_EQUAL(kBase + "/", test::header_value(r, "Location"));
        CPPUNIT_ASSERT(contains(test::set_cookie_header(r, "sid"), "Max-Age=0"));
    }

    void get_with_session_shows_confirm_form() {
        LoggedIn s;
        auth::Response r = s.b.get(pages::logout, "/logout");
        CPPUNIT_ASSERT_EQUAL(200, r.status);
        CPPUNIT_ASSERT(contains(r.body, "Do you want to log out on this device?"));
        CPPUNIT_ASSERT(contains(r.body, "<form method=\"post\" action=\"/logout\">"));
        CPPUNIT_ASSERT_EQUAL(std::size_t(65), test::csrf_token_in(r.body).size());
        CPPUNIT_ASSERT(!test::sets_cookie(r, "sid"));
    }

    void get_does_not_end_the_session() {
        LoggedIn s;
        s.b.get(pages::logout, "/logout");
        auth::Response r = s.b.get(pages::logout, "/logout", {{"csrf_token", s.b.last_csrf_token()}});
        CPPUNIT_ASSERT_EQUAL(200, r.status);
        CPPUNIT_ASSERT(s.t.app->store().sessions().lookup(s.sid));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), test::session_count(*s.t.app, s.id));
    }

    void post_ends_the_session() {
        LoggedIn s;
        s.b.get(pages::logout, "/logout");
        auth::Response r = s.b.post(pages::logout, "/logout", {});
        CPPUNIT_ASSERT_EQUAL(303, r.status);
        CPPUNIT_ASSERT_EQUAL(kBase + "/?logged_out=1", test::header_value(r, "Location"));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), test::session_count(*s.t.app, s.id));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), test::session_rows(*s.t.app));
        CPPUNIT_ASSERT(!s.t.app->store().sessions().lookup(s.sid));
        // The account itself is untouched.
        CPPUNIT_ASSERT(s.t.app->store().users().find_by_id(s.id));
    }

    void post_clears_the_browser() {
        LoggedIn s;
        s.b.get(pages::logout, "/logout");
        auth::Response r = s.b.post(pages::logout, "/logout", {});
        CPPUNIT_ASSERT_EQUAL(303, r.status);
        std::string h = test::set_cookie_header(r, "sid");
        CPPUNIT_ASSERT_EQUAL(std::string("sid=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax"), h);
        CPPUNIT_ASSERT_EQUAL(std::string("\"cookies\""), test::header_value(r, "Clear-Site-Data"));
        // One sid cookie, no stray flash cookie that Clear-Site-Data would wipe anyway.
        int sids = 0;
        for (const auto& [k, v] : r.headers)
            if (k == "Set-Cookie" && v.compare(0, 4, "sid=") == 0) ++sids;
        CPPUNIT_ASSERT_EQUAL(1, sids);
        CPPUNIT_ASSERT(!test::sets_cookie(r, "flash") || contains(test::set_cookie_header(r, "flash"), "Max-Age=0"));
        CPPUNIT_ASSERT(s.b.cookies().find("sid") == s.b.cookies().end());
    }

    void post_over_https_deletes_host_cookie() {
        LoggedIn s("https://example.test");
        s.b.get(pages::logout, "/logout");
        auth::Response r = s.b.post(pages::logout, "/logout", {});
        CPPUNIT_ASSERT_EQUAL(303, r.status);
        CPPUNIT_ASSERT_EQUAL(std::string("https://example.test/?logged_out=1"), test::header_value(r, "Location"));
        CPPUNIT_ASSERT_EQUAL(std::string("__Host-sid=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Lax"),
                             test::set_cookie_header(r, "__Host-sid"));
        // At the root of its host the site owns the origin: it clears it.
        CPPUNIT_ASSERT_EQUAL(std::string("\"cookies\""), test::header_value(r, "Clear-Site-Data"));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), test::session_rows(*s.t.app));
    }

    void post_over_https_subpath_deletes_secure_cookie() {
        LoggedIn s("https://example.test/auth");
        s.b.get(pages::logout, "/logout");
        auth::Response r = s.b.post(pages::logout, "/logout", {});
        CPPUNIT_ASSERT_EQUAL(303, r.status);
        CPPUNIT_ASSERT_EQUAL(std::string("https://example.test/auth/?logged_out=1"), test::header_value(r, "Location"));
        CPPUNIT_ASSERT_EQUAL(std::string("__Secure-sid=; Path=/auth; Max-Age=0; Secure; HttpOnly; SameSite=Lax"),
                             test::set_cookie_header(r, "__Secure-sid"));
        // A sub-folder does not own the origin: no Clear-Site-Data (it would
        // clear the cookies of everything else on the host), but its own CSRF
        // secret is replaced, on its own path.
        CPPUNIT_ASSERT(!r.header("Clear-Site-Data"));
        CPPUNIT_ASSERT(test::sets_cookie(r, "__Secure-csrf"));
        CPPUNIT_ASSERT(contains(test::set_cookie_header(r, "__Secure-csrf"), "Path=/auth;"));
    }

    void home_after_logout_says_so() {
        LoggedIn s;
        s.b.get(pages::logout, "/logout");
        s.b.post(pages::logout, "/logout", {});
        auth::Response home = s.b.get(pages::home, "/", {{"logged_out", "1"}});
        CPPUNIT_ASSERT_EQUAL(200, home.status);
        CPPUNIT_ASSERT(contains(home.body, "You are logged out."));
        CPPUNIT_ASSERT(contains(home.body, "You are not logged in."));
    }

    void replayed_cookie_is_dead() {
        LoggedIn s;
        std::map<std::string, std::string> copied = s.b.cookies();
        s.b.get(pages::logout, "/logout");
        CPPUNIT_ASSERT_EQUAL(303, s.b.post(pages::logout, "/logout", {}).status);
        auth::Request rq = test::get("/profile");
        rq.cookies = copied;
        auth::Response r = pages::profile(rq, *s.t.app);
        CPPUNIT_ASSERT_EQUAL(303, r.status);
        CPPUNIT_ASSERT_EQUAL(kBase + "/login?next=/profile", test::header_value(r, "Location"));
        CPPUNIT_ASSERT(contains(test::set_cookie_header(r, "sid"), "Max-Age=0"));
        CPPUNIT_ASSERT(!contains(r.body, kEmail));
        // Nor does it open the home page as the user.
        rq.path = "/";
        auth::Response home = pages::home(rq, *s.t.app);
        CPPUNIT_ASSERT(contains(home.body, "You are not logged in."));
        CPPUNIT_ASSERT(!contains(home.body, kEmail));
    }

    void other_sessions_survive() {
        LoggedIn s;
        Browser other(*s.t.app);
        CPPUNIT_ASSERT_EQUAL(303, test::log_in(other, kEmail, test::kGoodPassword).status);
        s.b.get(pages::logout, "/logout");
        CPPUNIT_ASSERT_EQUAL(303, s.b.post(pages::logout, "/logout", {}).status);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), test::session_count(*s.t.app, s.id));
        CPPUNIT_ASSERT_EQUAL(200, other.get(pages::profile, "/profile").status);
    }

    void post_without_token_is_403_and_session_alive() {
        LoggedIn s;
        s.b.get(pages::logout, "/logout");
        auth::Response r = s.b.post(pages::logout, "/logout", {{"csrf_token", ""}});
        CPPUNIT_ASSERT_EQUAL(403, r.status);
        CPPUNIT_ASSERT(!test::sets_cookie(r, "sid"));
        CPPUNIT_ASSERT(!r.header("Clear-Site-Data"));
        CPPUNIT_ASSERT(s.t.app->store().sessions().lookup(s.sid));
        CPPUNIT_ASSERT_EQUAL(200, s.b.get(pages::profile, "/profile").status);
    }

    void post_with_wrong_token_is_403() {
        LoggedIn s;
        s.b.get(pages::logout, "/logout");
        std::string token = s.b.last_csrf_token();
        token[30] = token[30] == 'x' ? 'y' : 'x';
        CPPUNIT_ASSERT_EQUAL(403, s.b.post(pages::logout, "/logout", {{"csrf_token", token}}).status);
        CPPUNIT_ASSERT(s.t.app->store().sessions().lookup(s.sid));
    }

    void post_with_token_of_other_session_is_403() {
        LoggedIn s;
        // The token a page showed before the login is bound to no session.
        Browser other(*s.t.app);
        other.get(pages::logout, "/logout");  // a visitor: redirected, no token
        other.get(pages::login, "/login");
        auth::Request rq = test::post_from(s.b, "/logout", {{"csrf_token", other.last_csrf_token()}});
        CPPUNIT_ASSERT_EQUAL(403, pages::logout(rq, *s.t.app).status);
        // Same browser secret, but the token of another session of this browser.
        s.b.get(pages::logout, "/logout");
        std::string token_first_session = s.b.last_csrf_token();
        std::map<std::string, std::string> cookies_first = s.b.cookies();
        CPPUNIT_ASSERT_EQUAL(303, test::log_in(s.b, kEmail, test::kGoodPassword).status);
        auth::Request rq2 = test::post_from(s.b, "/logout", {{"csrf_token", token_first_session}});
        rq2.cookies["csrf"] = cookies_first["csrf"];
        CPPUNIT_ASSERT_EQUAL(403, pages::logout(rq2, *s.t.app).status);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), test::session_count(*s.t.app, s.id));
    }

    void post_cross_site_is_403() {
        LoggedIn s;
        s.b.get(pages::logout, "/logout");
        auth::Request rq = test::post_from(s.b, "/logout", {});
        rq.sec_fetch_site = "cross-site";
        CPPUNIT_ASSERT_EQUAL(403, pages::logout(rq, *s.t.app).status);
        rq.sec_fetch_site = "";
        rq.origin = "https://evil.example";
        CPPUNIT_ASSERT_EQUAL(403, pages::logout(rq, *s.t.app).status);
        CPPUNIT_ASSERT(s.t.app->store().sessions().lookup(s.sid));
    }

    void post_without_session_is_harmless() {
        test::TestApp t;
        Browser b(*t.app);
        b.get(pages::login, "/login");
        auth::Response r = b.post(pages::logout, "/logout", {});
        CPPUNIT_ASSERT_EQUAL(303, r.status);
        CPPUNIT_ASSERT_EQUAL(kBase + "/?logged_out=1", test::header_value(r, "Location"));
        CPPUNIT_ASSERT(contains(test::set_cookie_header(r, "sid"), "Max-Age=0"));
    }

    void put_is_405() {
        LoggedIn s;
        s.b.get(pages::logout, "/logout");
        auth::Request rq = test::post_from(s.b, "/logout", {});
        rq.method = "PUT";
        auth::Response r = pages::logout(rq, *s.t.app);
        CPPUNIT_ASSERT_EQUAL(405, r.status);
        CPPUNIT_ASSERT_EQUAL(std::string("GET, HEAD, POST"), test::header_value(r, "Allow"));
        rq.method = "DELETE";
        CPPUNIT_ASSERT_EQUAL(405, pages::logout(rq, *s.t.app).status);
        CPPUNIT_ASSERT(s.t.app->store().sessions().lookup(s.sid));
    }

    void wrong_path_is_404() {
        test::TestApp t;
        CPPUNIT_ASSERT_EQUAL(404, pages::logout(test::get("/logout/now"), *t.app).status);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(LogoutPageTest);

}  // namespace
