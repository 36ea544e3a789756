// Tests for pages::home (GET /): who is logged in, the logged-out message,
// 404 for other paths, 405 for other methods.
#include <cppunit/extensions/HelperMacros.h>

#include "pages/pages.hh"
#include "support.hh"

using test::Browser;

using test::contains;

namespace {

class HomePageTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(HomePageTest);
    CPPUNIT_TEST(visitor_sees_login_and_register_links);
    CPPUNIT_TEST(visitor_gets_a_csrf_cookie_with_safe_flags);
    CPPUNIT_TEST(logged_in_user_sees_name_and_email);
    CPPUNIT_TEST(name_is_escaped);
    CPPUNIT_TEST(logged_out_parameter_shows_message);
    CPPUNIT_TEST(logged_out_parameter_ignored_when_logged_in);
    CPPUNIT_TEST(logged_out_parameter_other_value_shows_nothing);
    CPPUNIT_TEST(flash_cookie_is_shown_once_and_cleared);
    CPPUNIT_TEST(unknown_flash_code_shows_nothing);
    CPPUNIT_TEST(other_paths_are_404);
    CPPUNIT_TEST(post_is_405_with_allow);
    CPPUNIT_TEST(other_methods_are_405);
    CPPUNIT_TEST(head_is_accepted);
    CPPUNIT_TEST(stale_session_cookie_is_deleted);
    CPPUNIT_TEST(base_path_prefixes_links);
    CPPUNIT_TEST_SUITE_END();

public:
    void visitor_sees_login_and_register_links() {
        test::TestApp t;
        auth::Response r = pages::home(test::get("/"), *t.app);
        CPPUNIT_ASSERT_EQUAL(200, r.status);
        CPPUNIT_ASSERT(contains(r.body, "You are not logged in."));
        CPPUNIT_ASSERT(contains(r.body, "href=\"/login\""));
        CPPUNIT_ASSERT(contains(r.body, "href=\"/register\""));
        CPPUNIT_ASSERT(!contains(r.body, "You are logged in as"));
        CPPUNIT_ASSERT(!contains(r.body, "href=\"/logout\""));
        CPPUNIT_ASSERT(!test::sets_cookie(r, "sid"));
    }

    void visitor_gets_a_csrf_cookie_with_safe_flags() {
        test::TestApp t;
        auth::Response r = pages::home(test::get("/"), *t.app);
        std::string h = test::set_cookie_header(r, "csrf");
        CPPUNIT_ASSERT(!h.empty());
        CPPUNIT_ASSERT_EQUAL(std::size_t(43), test::set_cookie_value(r, "csrf").size());
        CPPUNIT_ASSERT(contains(h, "; HttpOnly"));
        CPPUNIT_ASSERT(contains(h, "; SameSite=Lax"));
        CPPUNIT_ASSERT(contains(h, "; Path=/"));
        CPPUNIT_ASSERT(!contains(h, "Max-Age"));
        CPPUNIT_ASSERT(!contains(h, "Domain"));
    }

    void logged_in_user_sees_name_and_email() {
        test::TestApp t;
        test::make_user(*t.app, "ada@example.test", test::kGoodPassword, "Ada Lovelace");
        Browser b(*t.app);
        CPPUNIT_ASSERT_EQUAL(303, test::log_in(b, "ada@example.test", test::kGoodPassword).status);
        auth::Response r = b.get(pages::home, "/");
        CPPUNIT_ASSERT_EQUAL(200, r.status);
        CPPUNIT_ASSERT(contains(r.body, "You are logged in as <strong>Ada Lovelace</strong> (ada@example.test)."));
        CPPUNIT_ASSERT(contains(r.body, "href=\"/profile\""));
        CPPUNIT_ASSERT(contains(r.body, "href=\"/logout\""));
        CPPUNIT_ASSERT(!contains(r.body, "You are not logged in."));
    }

    void name_is_escaped() {
        test::TestApp t;
        test::make_user(*t.app, "x@example.test", test::kGoodPassword, "<script>alert(1)</script> & \"q\"");
        Browser b(*t.app);
        test::log_in(b, "x@example.test", test::kGoodPassword);
        auth::Response r = b.get(pages::home, "/");
        CPPUNIT_ASSERT_EQUAL(200, r.status);
        CPPUNIT_ASSERT(!contains(r.body, "<script>alert(1)"));
        CPPUNIT_ASSERT(contains(r.body, "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;q&quot;"));
    }

    void logged_out_parameter_shows_message() {
        test::TestApp t;
        auth::Response r = pages::home(test::get("/", {{"logged_out", "1"}}), *t.app);
        CPPUNIT_ASSERT_EQUAL(200, r.status);
        CPPUNIT_ASSERT(contains(r.body, "<p class=\"flash\" role=\"status\">You are logged out.</p>"));
        CPPUNIT_ASSERT(contains(r.body, "You are not logged in."));
    }

    void logged_out_parameter_ignored_when_logged_in() {
        test::TestApp t;
        test::make_user(*t.app, "ada@example.test", test::kGoodPassword, "Ada");
        Browser b(*t.app);
        test::log_in(b, "ada@example.test", test::kGoodPassword);
        b.get(pages::home, "/");  // shows and clears the "logged in" flash
        auth::Response r = b.get(pages::home, "/", {{"logged_out", "1"}});
        CPPUNIT_ASSERT_EQUAL(200, r.status);
        CPPUNIT_ASSERT(!contains(r.body, "You are logged out."));
        CPPUNIT_ASSERT(contains(r.body, "You are logged in as"));
    }

    void logged_out_parameter_other_value_shows_nothing() {
        test::TestApp t;
        auth::Response r = pages::home(test::get("/", {{"logged_out", "<b>x</b>"}}), *t.app);
        CPPUNIT_ASSERT_EQUAL(200, r.status);
        CPPUNIT_ASSERT(!contains(r.body, "class=\"flash\""));
        CPPUNIT_ASSERT(!contains(r.body, "<b>x</b>"));
    }

    void flash_cookie_is_shown_once_and_cleared() {
        test::TestApp t;
        test::make_user(*t.app, "ada@example.test", test::kGoodPassword, "Ada");
        Browser b(*t.app);
        auth::Response login = test::log_in(b, "ada@example.test", test::kGoodPassword);
        CPPUNIT_ASSERT_EQUAL(std::string("logged_in"), test::set_cookie_value(login, "flash"));
        auth::Response first = b.get(pages::home, "/");
        CPPUNIT_ASSERT(contains(first.body, "You are logged in.</p>"));
        CPPUNIT_ASSERT(contains(test::set_cookie_header(first, "flash"), "Max-Age=0"));
        auth::Response second = b.get(pages::home, "/");
        CPPUNIT_ASSERT(!contains(second.body, "class=\"flash\""));
        CPPUNIT_ASSERT(!test::sets_cookie(second, "flash"));
    }

    void unknown_flash_code_shows_nothing() {
        test::TestApp t;
        auth::Request rq = test::get("/");
        rq.cookies["flash"] = "<script>alert(1)</script>";
        auth::Response r = pages::home(rq, *t.app);
        CPPUNIT_ASSERT_EQUAL(200, r.status);
        CPPUNIT_ASSERT(!contains(r.body, "class=\"flash\""));
        CPPUNIT_ASSERT(!contains(r.body, "alert(1)"));
        CPPUNIT_ASSERT(contains(test::set_cookie_header(r, "flash"), "Max-Age=0"));
    }

    void other_paths_are_404() {
        test::TestApp t;
        for (const char* path : {"/index.html", "/home", "/profile", "//", "/.git/HEAD", "/?"}) {
            auth::Response r = pages::home(test::get(path), *t.app);
            CPPUNIT_ASSERT_EQUAL_MESSAGE(path, 404, r.status);
            CPPUNIT_ASSERT(contains(r.body, "There is no such page."));
        }
    }

    void post_is_405_with_allow() {
        test::TestApp t;
        auth::Response r = pages::home(test::post("/", {{"x", "1"}}), *t.app);
        CPPUNIT_ASSERT_EQUAL(405, r.status);
        CPPUNIT_ASSERT_EQUAL(std::string("GET, HEAD"), test::header_value(r, "Allow"));
    }

    void other_methods_are_405() {
        test::TestApp t;
        for (const char* method : {"PUT", "DELETE", "PATCH", "TRACE", "OPTIONS", "FOO"}) {
            auth::Request rq = test::get("/");
            rq.method = method;
            auth::Response r = pages::home(rq, *t.app);
            CPPUNIT_ASSERT_EQUAL_MESSAGE(method, 405, r.status);
            CPPUNIT_ASSERT_EQUAL(std::string("GET, HEAD"), test::header_value(r, "Allow"));
        }
    }

    void head_is_accepted() {
        test::TestApp t;
        auth::Request rq = test::get("/");
        rq.method = "HEAD";
        CPPUNIT_ASSERT_EQUAL(200, pages::home(rq, *t.app).status);
    }

    void stale_session_cookie_is_deleted() {
        test::TestApp t;
        auth::Request rq = test::get("/");
        rq.cookies["sid"] = std::string(43, 'A');
        auth::Response r = pages::home(rq, *t.app);
        CPPUNIT_ASSERT_EQUAL(200, r.status);
        CPPUNIT_ASSERT(contains(r.body, "You are not logged in."));
        std::string h = test::set_cookie_header(r, "sid");
        CPPUNIT_ASSERT(contains(h, "sid=;"));
        CPPUNIT_ASSERT(contains(h, "Max-Age=0"));
    }

    void base_path_prefixes_links() {
        test::TestApp t("https://example.test/auth");
        auth::Response r = pages::home(test::get("/"), *t.app);
        CPPUNIT_ASSERT_EQUAL(200, r.status);
        CPPUNIT_ASSERT(contains(r.body, "href=\"/auth/login\""));
        CPPUNIT_ASSERT(contains(r.body, "href=\"/auth/register\""));
        std::string h = test::set_cookie_header(r, "__Secure-csrf");
        CPPUNIT_ASSERT(contains(h, "; Path=/auth"));
        CPPUNIT_ASSERT(contains(h, "; Secure"));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(HomePageTest);

}  // namespace
