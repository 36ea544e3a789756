// Tests for pages::login (GET, POST /login): the form and `next`, generic
// failures, the session cookie and its flags, session fixation, CSRF
// rotation, throttling, rehash at login and open redirects.
#include <cppunit/extensions/HelperMacros.h>

#include "core/crypto.hh"
#include "account/passwords.hh"
#include "pages/pages.hh"
#include "support.hh"

using test::Browser;

using test::contains;

namespace {

const std::string kBase = "http://127.0.0.1:8080";
const std::string kEmail = "ada@example.test";
const std::string kGeneric = "The email address or the password is not right.";

std::map<std::string, std::string> creds(const std::string& email, const std::string& password) {
    return {{"email", email}, {"password", password}};
}

class LoginPageTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(LoginPageTest);
    CPPUNIT_TEST(get_shows_form);
    CPPUNIT_TEST(get_keeps_local_next);
    CPPUNIT_TEST(get_drops_foreign_next);
    CPPUNIT_TEST(get_with_credentials_in_query_logs_nobody_in);
    CPPUNIT_TEST(wrong_password_is_401_generic);
    CPPUNIT_TEST(unknown_email_is_identical_to_wrong_password);
    CPPUNIT_TEST(missing_fields_are_422);
    CPPUNIT_TEST(oversized_password_is_401);
    CPPUNIT_TEST(no_truncation);
    CPPUNIT_TEST(long_unicode_password_works);
    CPPUNIT_TEST(no_forced_rotation);
    CPPUNIT_TEST(no_default_accounts);
    CPPUNIT_TEST(success_redirects_to_profile);
    CPPUNIT_TEST(success_redirects_to_local_next);
    CPPUNIT_TEST(email_case_and_spaces_do_not_matter);
    CPPUNIT_TEST(session_cookie_flags_over_http);
    CPPUNIT_TEST(session_cookie_https_root_is_host_prefixed);
    CPPUNIT_TEST(session_cookie_https_subpath_is_secure_prefixed);
    CPPUNIT_TEST(session_row_stores_only_a_digest);
    CPPUNIT_TEST(new_session_id_at_every_login);
    CPPUNIT_TEST(old_session_is_destroyed_at_login);
    CPPUNIT_TEST(planted_session_cookie_is_not_adopted);
    CPPUNIT_TEST(csrf_cookie_is_rotated_at_login);
    CPPUNIT_TEST(post_without_token_is_403);
    CPPUNIT_TEST(post_without_csrf_cookie_is_403);
    CPPUNIT_TEST(login_csrf_cross_site_is_403);
    CPPUNIT_TEST(throttled_after_five_failures);
    CPPUNIT_TEST(throttled_even_with_right_password);
    CPPUNIT_TEST(throttled_unknown_email_same_body);
    CPPUNIT_TEST(throttle_ignores_email_case);
    CPPUNIT_TEST(throttle_is_per_account_not_per_other_account);
    CPPUNIT_TEST(login_works_after_the_window);
    CPPUNIT_TEST(success_clears_failures);
    CPPUNIT_TEST(rehash_when_cost_changed);
    CPPUNIT_TEST(no_rehash_when_cost_unchanged);
    CPPUNIT_TEST(open_redirects_fall_back_to_profile);
    CPPUNIT_TEST(next_with_query_is_kept);
    CPPUNIT_TEST(wrong_path_is_404);
    CPPUNIT_TEST(put_is_405);
    CPPUNIT_TEST_SUITE_END();

    static void assert_same_modulo(const auth::Response& a, const auth::Response& b, const std::string& email_a,
                                   const std::string& email_b) {
        CPPUNIT_ASSERT_EQUAL(a.status, b.status);
        std::string body_a = test::replace_all(test::without_csrf_token(a.body), email_a, "EMAIL");
        std::string body_b = test::replace_all(test::without_csrf_token(b.body), email_b, "EMAIL");
        CPPUNIT_ASSERT_EQUAL(body_a, body_b);
        CPPUNIT_ASSERT_EQUAL(a.headers.size(), b.headers.size());
        for (std::size_t i = 0; i < a.headers.size(); ++i) CPPUNIT_ASSERT_EQUAL(a.headers[i].first, b.headers[i].first);
    }

public:
    void get_shows_form() {
        test::TestApp t;
        auth::Response r = pages::login(test::get("/login"), *t.app);
        CPPUNIT_ASSERT_EQUAL(200, r.status);
        CPPUNIT_ASSERT_EQUAL(std::size_t(65), test::csrf_token_in(r.body).size());
        CPPUNIT_ASSERT(contains(r.body, "<form method=\"post\" action=\"/login\""));
        CPPUNIT_ASSERT(contains(r.body, "<label for=\"email\">"));
        CPPUNIT_ASSERT(contains(r.body, "<label for=\"password\">"));
        CPPUNIT_ASSERT(contains(r.body, "type=\"password\" autocomplete=\"current-password\""));
        CPPUNIT_ASSERT(contains(r.body, "autocomplete=\"username webauthn\""));
        CPPUNIT_ASSERT(contains(r.body, "<input type=\"hidden\" name=\"next\" value=\"\">"));
        CPPUNIT_ASSERT(test::sets_cookie(r, "csrf"));
        CPPUNIT_ASSERT(!test::sets_cookie(r, "sid"));
    }

    void get_keeps_local_next() {
        test::TestApp t;
        auth::Response r = pages::login(test::get("/login", {{"next", "/profile"}}), *t.app);
        CPPUNIT_ASSERT(contains(r.body, "name=\"next\" value=\"/profile\""));
        r = pages::login(test::get("/login", {{"next", "/profile?tab=1&x=2"}}), *t.app);
        CPPUNIT_ASSERT(contains(r.body, "name=\"next\" value=\"/profile?tab=1&amp;x=2\""));
    }

    void get_drops_foreign_next() {
        test::TestApp t;
        for (const char* next : {"https://evil.example", "//evil.example", "/\\evil.example", "javascript:alert(1)",
                                 "\"><script>alert(1)</script>", "/x\r\nSet-Cookie: a=b"}) {
            auth::Response r = pages::login(test::get("/login", {{"next", next}}), *t.app);
            CPPUNIT_ASSERT_EQUAL(200, r.status);
            CPPUNIT_ASSERT_MESSAGE(next, contains(r.body, "name=\"next\" value=\"\""));
            CPPUNIT_ASSERT(!contains(r.body, "evil.example"));
            CPPUNIT_ASSERT(!contains(r.body, "alert(1)"));
        }
    }

    void get_with_credentials_in_query_logs_nobody_in() {
        test::TestApp t;
        test::make_user(*t.app, kEmail, test::kGoodPassword);
        Browser b(*t.app);
        b.get(pages::login, "/login");
        auto q = creds(kEmail, test::kGoodPassword);
        q["csrf_token"] = b.last_csrf_token();
        auth::Response r = b.get(pages::login, "/login", q);
        CPPUNIT_ASSERT_EQUAL(200, r.status);
        CPPUNIT_ASSERT(!test::sets_cookie(r, "sid"));
        CPPUNIT_ASSERT(!contains(r.body, test::kGoodPassword));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), test::session_rows(*t.app));
    }

    void wrong_password_is_401_generic() {
        test::TestApp t;
        test::make_user(*t.app, kEmail, test::kGoodPassword);
        Browser b(*t.app);
        auth::Response r = test::log_in(b, kEmail, "not the right passphrase");
        CPPUNIT_ASSERT_EQUAL(401, r.status);
        CPPUNIT_ASSERT(contains(r.body, "<p class=\"error\" id=\"password-error\">" + kGeneric + "</p>"));
        CPPUNIT_ASSERT(contains(r.body, "value=\"" + kEmail + "\""));
        CPPUNIT_ASSERT(!contains(r.body, "not the right passphrase"));
        CPPUNIT_ASSERT(!test::sets_cookie(r, "sid"));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), test::login_failures_for(*t.app, kEmail));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), test::session_rows(*t.app));
    }

    void unknown_email_is_identical_to_wrong_password() {
        test::TestApp t;
        test::make_user(*t.app, kEmail, test::kGoodPassword);
        Browser b1(*t.app), b2(*t.app);
        auth::Response known = test::log_in(b1, kEmail, "not the right passphrase");
        auth::Response unknown = test::log_in(b2, "nobody@example.test", "not the right passphrase");
        CPPUNIT_ASSERT_EQUAL(401, unknown.status);
        assert_same_modulo(known, unknown, kEmail, "nobody@example.test");
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), test::login_failures_for(*t.app, "nobody@example.test"));
    }

    void missing_fields_are_422() {
        test::TestApp t;
        Browser b(*t.app);
        b.get(pages::login, "/login");
        auth::Response r = b.post(pages::login, "/login", creds("", ""));
        CPPUNIT_ASSERT_EQUAL(422, r.status);
        CPPUNIT_ASSERT(contains(r.body, "id=\"email-error\">Enter the email address of your account"));
        CPPUNIT_ASSERT(contains(r.body, "id=\"password-error\">Enter your password.</p>"));
        CPPUNIT_ASSERT(contains(r.body, "aria-describedby=\"email-error\""));
        CPPUNIT_ASSERT(contains(r.body, "aria-describedby=\"password-error\""));
        r = b.post(pages::login, "/login", creds("not an email", "whatever it is"));
        CPPUNIT_ASSERT_EQUAL(422, r.status);
        CPPUNIT_ASSERT(contains(r.body, "value=\"not an email\""));
        CPPUNIT_ASSERT(!contains(r.body, "whatever it is"));
    }

    void oversized_password_is_401() {
        test::TestApp t;
        test::make_user(*t.app, kEmail, test::kGoodPassword);
        Browser b(*t.app);
        auth::Response r = test::log_in(b, kEmail, std::string(100000, 'x'));
        CPPUNIT_ASSERT_EQUAL(401, r.status);
        CPPUNIT_ASSERT(contains(r.body, kGeneric));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), test::login_failures_for(*t.app, kEmail));
    }

    void no_truncation() {
        test::TestApp t;
        std::string pw;
        for (int i = 0; i < 100; ++i) pw += static_cast<char>('a' + (i * 11) % 26);
        test::make_user(*t.app, kEmail, pw);
        for (std::size_t n : {std::size_t(72), std::size_t(99)}) {
            Browser b(*t.app);
            CPPUNIT_ASSERT_EQUAL(401, test::log_in(b, kEmail, pw.substr(0, n)).status);
        }
        Browser b(*t.app);
        CPPUNIT_ASSERT_EQUAL(401, test::log_in(b, kEmail, pw + "x").status);
        CPPUNIT_ASSERT_EQUAL(303, test::log_in(b, kEmail, pw).status);
    }

    void long_unicode_password_works() {
        // Registered without confirmation: the account at once.
        test::TestApp t("http://127.0.0.1:8080", [](auth::Config& c) { c.signup_confirmation = false; });
        std::string pw;
        const char* parts[] = {"ñ", "😀", "z", "ж", "é", "🐎", "k", "ß"};
        for (int i = 0; i < 128; ++i) pw += parts[(i * 3 + i / 8) % 8];
        Browser reg(*t.app);
        reg.get(pages::register_account, "/register");
        CPPUNIT_ASSERT_EQUAL(303, reg.post(pages::register_account, "/register",
                                           {{"name", "Ada"}, {"email", kEmail}, {"password", pw}, {"password_confirm", pw}})
                                      .status);
        Browser b(*t.app);
        CPPUNIT_ASSERT_EQUAL(303, test::log_in(b, kEmail, pw).status);
    }

    void no_forced_rotation() {
        test::TestApp t;
        std::int64_t id = test::make_user(*t.app, kEmail, test::kGoodPassword);
        test::db(*t.app).query("UPDATE users SET password_changed_at = ?, created_at = ? WHERE id = ?")
            .bind(1, t.clock->now() - 3 * 365 * 86400)
            .bind(2, t.clock->now() - 3 * 365 * 86400)
            .bind(3, id)
            .exec();
        Browser b(*t.app);
        auth::Response r = test::log_in(b, kEmail, test::kGoodPassword);
        CPPUNIT_ASSERT_EQUAL(303, r.status);
        CPPUNIT_ASSERT_EQUAL(kBase + "/profile", test::header_value(r, "Location"));
    }

    void no_default_accounts() {
        test::TestApp t;
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), test::user_count(*t.app));
        for (const char* who : {"admin", "root", "test", "admin@localhost", "admin@example.test"}) {
            Browser b(*t.app);
            auth::Response r = test::log_in(b, who, who);
            CPPUNIT_ASSERT_MESSAGE(who, r.status == 401 || r.status == 422);
            CPPUNIT_ASSERT(!test::sets_cookie(r, "sid"));
        }
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), test::session_rows(*t.app));
    }

    void success_redirects_to_profile() {
        test::TestApp t;
        std::int64_t id = test::make_user(*t.app, kEmail, test::kGoodPassword);
        Browser b(*t.app);
        auth::Response r = test::log_in(b, kEmail, test::kGoodPassword);
        CPPUNIT_ASSERT_EQUAL(303, r.status);
        CPPUNIT_ASSERT_EQUAL(kBase + "/profile", test::header_value(r, "Location"));
        CPPUNIT_ASSERT_EQUAL(std::string("logged_in"), test::set_cookie_value(r, "flash"));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), test::session_count(*t.app, id));
        auto session = t.app->store().sessions().lookup(test::set_cookie_value(r, "sid"));
        CPPUNIT_ASSERT(session);
        CPPUNIT_ASSERT_EQUAL(id, session->user_id);
        CPPUNIT_ASSERT_EQUAL(200, b.get(pages::profile, "/profile").status);
    }

    void success_redirects_to_local_next() {
        test::TestApp t;
        test::make_user(*t.app, kEmail, test::kGoodPassword);
        Browser b(*t.app);
        auth::Response r = test::log_in(b, kEmail, test::kGoodPassword, "/profile/password");
        CPPUNIT_ASSERT_EQUAL(303, r.status);
        CPPUNIT_ASSERT_EQUAL(kBase + "/profile/password", test::header_value(r, "Location"));
        // A visitor sent to log in by a page comes back to it.
        Browser c(*t.app);
        auth::Response to_login = c.get(pages::profile, "/profile");
        std::string loc = test::header_value(to_login, "Location");
        std::string next = loc.substr(loc.find("next=") + 5);
        CPPUNIT_ASSERT_EQUAL(std::string("/profile"), next);
        auth::Response form = c.get(pages::login, "/login", {{"next", next}});
        CPPUNIT_ASSERT(contains(form.body, "name=\"next\" value=\"/profile\""));
        r = c.post(pages::login, "/login", {{"email", kEmail}, {"password", test::kGoodPassword}, {"next", next}});
        CPPUNIT_ASSERT_EQUAL(kBase + "/profile", test::header_value(r, "Location"));
    }

    void email_case_and_spaces_do_not_matter() {
        test::TestApp t;
        test::make_user(*t.app, kEmail, test::kGoodPassword);
        Browser b(*t.app);
        CPPUNIT_ASSERT_EQUAL(303, test::log_in(b, "  ADA@Example.TEST ", test::kGoodPassword).status);
    }

    void session_cookie_flags_over_http() {
        test::TestApp t;
        test::make_user(*t.app, kEmail, test::kGoodPassword);
        Browser b(*t.app);
        auth::Response r = test::log_in(b, kEmail, test::kGoodPassword);
        std::string h = test::set_cookie_header(r, "sid");
        CPPUNIT_ASSERT_EQUAL(std::size_t(43), test::set_cookie_value(r, "sid").size());
        CPPUNIT_ASSERT(auth::looks_like_token(test::set_cookie_value(r, "sid")));
        CPPUNIT_ASSERT(contains(h, "; Path=/; "));
        CPPUNIT_ASSERT(contains(h, "; HttpOnly"));
        CPPUNIT_ASSERT(contains(h, "; SameSite=Lax"));
        CPPUNIT_ASSERT(!contains(h, "Domain"));
        CPPUNIT_ASSERT(!contains(h, "Secure"));
        CPPUNIT_ASSERT(!contains(h, "Max-Age"));
        CPPUNIT_ASSERT(!contains(h, "Expires"));
        // The session token never shows in a body or a Location.
        CPPUNIT_ASSERT(!contains(r.body, test::set_cookie_value(r, "sid")));
        CPPUNIT_ASSERT(!contains(test::header_value(r, "Location"), test::set_cookie_value(r, "sid")));
    }

    void session_cookie_https_root_is_host_prefixed() {
        test::TestApp t("https://example.test");
        test::make_user(*t.app, kEmail, test::kGoodPassword);
        Browser b(*t.app);
        auth::Response r = test::log_in(b, kEmail, test::kGoodPassword);
        CPPUNIT_ASSERT_EQUAL(303, r.status);
        CPPUNIT_ASSERT_EQUAL(std::string("https://example.test/profile"), test::header_value(r, "Location"));
        CPPUNIT_ASSERT(!test::sets_cookie(r, "sid"));
        std::string h = test::set_cookie_header(r, "__Host-sid");
        CPPUNIT_ASSERT(!h.empty());
        CPPUNIT_ASSERT(contains(h, "; Path=/; "));
        CPPUNIT_ASSERT(contains(h, "; Secure"));
        CPPUNIT_ASSERT(contains(h, "; HttpOnly"));
        CPPUNIT_ASSERT(contains(h, "; SameSite=Lax"));
        CPPUNIT_ASSERT(!contains(h, "Domain"));
        // Every cookie the site sets over https is prefixed and Secure.
        for (const auto& [k, v] : r.headers) {
            if (k != "Set-Cookie") continue;
            CPPUNIT_ASSERT_MESSAGE(v, v.compare(0, 7, "__Host-") == 0);
            CPPUNIT_ASSERT_MESSAGE(v, contains(v, "; Secure"));
        }
        CPPUNIT_ASSERT_EQUAL(200, b.get(pages::profile, "/profile").status);
    }

    void session_cookie_https_subpath_is_secure_prefixed() {
        test::TestApp t("https://example.test/auth");
        test::make_user(*t.app, kEmail, test::kGoodPassword);
        Browser b(*t.app);
        auth::Response r = test::log_in(b, kEmail, test::kGoodPassword);
        CPPUNIT_ASSERT_EQUAL(303, r.status);
        CPPUNIT_ASSERT_EQUAL(std::string("https://example.test/auth/profile"), test::header_value(r, "Location"));
        std::string h = test::set_cookie_header(r, "__Secure-sid");
        CPPUNIT_ASSERT(!h.empty());
        CPPUNIT_ASSERT(contains(h, "; Path=/auth; "));
        CPPUNIT_ASSERT(contains(h, "; Secure"));
        CPPUNIT_ASSERT(contains(h, "; HttpOnly"));
        CPPUNIT_ASSERT(contains(h, "; SameSite=Lax"));
        CPPUNIT_ASSERT(!test::sets_cookie(r, "__Host-sid"));
        CPPUNIT_ASSERT_EQUAL(200, b.get(pages::profile, "/profile").status);
    }

    void session_row_stores_only_a_digest() {
        test::TestApp t;
        test::make_user(*t.app, kEmail, test::kGoodPassword);
        Browser b(*t.app);
        auth::Response r = test::log_in(b, kEmail, test::kGoodPassword);
        std::string token = test::set_cookie_value(r, "sid");
        auto q = test::db(*t.app).query("SELECT token_hash, user_agent, client_ip FROM sessions");
        CPPUNIT_ASSERT(q.step());
        std::string stored = q.text(0);
        CPPUNIT_ASSERT(stored != token);
        CPPUNIT_ASSERT(!contains(stored, token));
        CPPUNIT_ASSERT_EQUAL(auth::token_digest(token), stored);
        CPPUNIT_ASSERT_EQUAL(std::string("unit-test"), q.text(1));
        CPPUNIT_ASSERT_EQUAL(std::string("127.0.0.1"), q.text(2));
    }

    void new_session_id_at_every_login() {
        test::TestApp t;
        test::make_user(*t.app, kEmail, test::kGoodPassword);
        Browser b1(*t.app), b2(*t.app);
        std::string s1 = test::set_cookie_value(test::log_in(b1, kEmail, test::kGoodPassword), "sid");
        std::string s2 = test::set_cookie_value(test::log_in(b2, kEmail, test::kGoodPassword), "sid");
        CPPUNIT_ASSERT(!s1.empty());
        CPPUNIT_ASSERT(s1 != s2);
        // Two browsers, two sessions.
        CPPUNIT_ASSERT_EQUAL(std::int64_t(2), test::session_rows(*t.app));
    }

    void old_session_is_destroyed_at_login() {
        test::TestApp t;
        test::make_user(*t.app, kEmail, test::kGoodPassword);
        test::make_user(*t.app, "bob@example.test", "bob's own good passphrase", "Bob");
        Browser b(*t.app);
        std::string first = test::set_cookie_value(test::log_in(b, kEmail, test::kGoodPassword), "sid");
        CPPUNIT_ASSERT(t.app->store().sessions().lookup(first));
        // Logging in again (as someone else) from the same browser.
        auth::Response r = test::log_in(b, "bob@example.test", "bob's own good passphrase");
        CPPUNIT_ASSERT_EQUAL(303, r.status);
        std::string second = test::set_cookie_value(r, "sid");
        CPPUNIT_ASSERT(!second.empty());
        CPPUNIT_ASSERT(first != second);
        CPPUNIT_ASSERT(!t.app->store().sessions().lookup(first));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), test::session_rows(*t.app));
        auth::Response profile = b.get(pages::profile, "/profile");
        CPPUNIT_ASSERT(contains(profile.body, "bob@example.test"));
        CPPUNIT_ASSERT(!contains(profile.body, kEmail));
    }

    void planted_session_cookie_is_not_adopted() {
        test::TestApp t;
        test::make_user(*t.app, kEmail, test::kGoodPassword);
        Browser b(*t.app);
        b.get(pages::login, "/login");
        const std::string planted = auth::random_token(32);
        auth::Request rq = test::post_from(b, "/login", creds(kEmail, test::kGoodPassword));
        rq.cookies["sid"] = planted;
        auth::Response r = pages::login(rq, *t.app);
        CPPUNIT_ASSERT_EQUAL(303, r.status);
        std::string issued = test::set_cookie_value(r, "sid");
        CPPUNIT_ASSERT(!issued.empty());
        CPPUNIT_ASSERT(issued != planted);
        CPPUNIT_ASSERT(!t.app->store().sessions().lookup(planted));
        CPPUNIT_ASSERT(t.app->store().sessions().lookup(issued));
        // Exactly one sid cookie in the answer: the new one.
        int sids = 0;
        for (const auto& [k, v] : r.headers)
            if (k == "Set-Cookie" && v.compare(0, 4, "sid=") == 0) ++sids;
        CPPUNIT_ASSERT_EQUAL(1, sids);
    }

    void csrf_cookie_is_rotated_at_login() {
        test::TestApp t;
        test::make_user(*t.app, kEmail, test::kGoodPassword);
        Browser b(*t.app);
        b.get(pages::login, "/login");
        std::string before = b.cookies()["csrf"];
        std::string old_token = b.last_csrf_token();
        CPPUNIT_ASSERT(!before.empty());
        auth::Response r = b.post(pages::login, "/login", creds(kEmail, test::kGoodPassword));
        CPPUNIT_ASSERT_EQUAL(303, r.status);
        std::string after = test::set_cookie_value(r, "csrf");
        CPPUNIT_ASSERT_EQUAL(std::size_t(43), after.size());
        CPPUNIT_ASSERT(after != before);
        CPPUNIT_ASSERT(contains(test::set_cookie_header(r, "csrf"), "HttpOnly"));
        // A token from before the login does not work after it.
        auth::Response logout = b.post(pages::logout, "/logout", {{"csrf_token", old_token}});
        CPPUNIT_ASSERT_EQUAL(403, logout.status);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), test::session_rows(*t.app));
    }

    void post_without_token_is_403() {
        test::TestApp t;
        test::make_user(*t.app, kEmail, test::kGoodPassword);
        Browser b(*t.app);
        b.get(pages::login, "/login");
        auto f = creds(kEmail, test::kGoodPassword);
        f["csrf_token"] = "";
        auth::Response r = b.post(pages::login, "/login", f);
        CPPUNIT_ASSERT_EQUAL(403, r.status);
        CPPUNIT_ASSERT(!test::sets_cookie(r, "sid"));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), test::session_rows(*t.app));
    }

    void post_without_csrf_cookie_is_403() {
        test::TestApp t;
        test::make_user(*t.app, kEmail, test::kGoodPassword);
        Browser b(*t.app);
        b.get(pages::login, "/login");
        auth::Request rq = test::post_from(b, "/login", creds(kEmail, test::kGoodPassword));
        rq.cookies.erase("csrf");
        auth::Response r = pages::login(rq, *t.app);
        CPPUNIT_ASSERT_EQUAL(403, r.status);
        CPPUNIT_ASSERT(!test::sets_cookie(r, "sid"));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), test::session_rows(*t.app));
    }

    void login_csrf_cross_site_is_403() {
        test::TestApp t;
        test::make_user(*t.app, "attacker@example.test", test::kGoodPassword);
        Browser victim(*t.app);
        victim.get(pages::login, "/login");
        auth::Request rq = test::post_from(victim, "/login", creds("attacker@example.test", test::kGoodPassword));
        rq.sec_fetch_site = "cross-site";
        CPPUNIT_ASSERT_EQUAL(403, pages::login(rq, *t.app).status);
        rq.sec_fetch_site = "";
        rq.origin = "https://evil.example";
        CPPUNIT_ASSERT_EQUAL(403, pages::login(rq, *t.app).status);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), test::session_rows(*t.app));
    }

    void throttled_after_five_failures() {
        test::TestApp t;
        test::make_user(*t.app, kEmail, test::kGoodPassword);
        Browser b(*t.app);
        b.get(pages::login, "/login");
        for (int i = 0; i < 5; ++i) {
            t.clock->advance(10);
            CPPUNIT_ASSERT_EQUAL(401, b.post(pages::login, "/login", creds(kEmail, "wrong passphrase number")).status);
        }
        CPPUNIT_ASSERT_EQUAL(std::int64_t(5), test::login_failures_for(*t.app, kEmail));
        auth::Response r = b.post(pages::login, "/login", creds(kEmail, "wrong passphrase number"));
        CPPUNIT_ASSERT_EQUAL(429, r.status);
        // The first failure was 40 s ago: 900 - 40 s are left.
        CPPUNIT_ASSERT_EQUAL(std::string("860"), test::header_value(r, "Retry-After"));
        CPPUNIT_ASSERT(contains(r.body, "Too many failed attempts. Wait 15 minutes and try again, or reset your password."));
        CPPUNIT_ASSERT(contains(r.body, "value=\"" + kEmail + "\""));
        // A throttled attempt is not counted again.
        CPPUNIT_ASSERT_EQUAL(std::int64_t(5), test::login_failures_for(*t.app, kEmail));
    }

    void throttled_even_with_right_password() {
        test::TestApp t;
        test::make_user(*t.app, kEmail, test::kGoodPassword);
        Browser b(*t.app);
        b.get(pages::login, "/login");
        for (int i = 0; i < 5; ++i) b.post(pages::login, "/login", creds(kEmail, "wrong passphrase number"));
        auth::Response r = b.post(pages::login, "/login", creds(kEmail, test::kGoodPassword));
        CPPUNIT_ASSERT_EQUAL(429, r.status);
        CPPUNIT_ASSERT(!test::header_value(r, "Retry-After").empty());
        CPPUNIT_ASSERT(!test::sets_cookie(r, "sid"));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), test::session_rows(*t.app));
    }

    void throttled_unknown_email_same_body() {
        test::TestApp t;
        test::make_user(*t.app, kEmail, test::kGoodPassword);
        const std::string ghost = "ghost@example.test";
        Browser b1(*t.app), b2(*t.app);
        b1.get(pages::login, "/login");
        b2.get(pages::login, "/login");
        for (int i = 0; i < 5; ++i) {
            b1.post(pages::login, "/login", creds(kEmail, "wrong passphrase number"));
            b2.post(pages::login, "/login", creds(ghost, "wrong passphrase number"));
        }
        auth::Response known = b1.post(pages::login, "/login", creds(kEmail, "wrong passphrase number"));
        auth::Response unknown = b2.post(pages::login, "/login", creds(ghost, "wrong passphrase number"));
        CPPUNIT_ASSERT_EQUAL(429, unknown.status);
        assert_same_modulo(known, unknown, kEmail, ghost);
        CPPUNIT_ASSERT_EQUAL(test::header_value(known, "Retry-After"), test::header_value(unknown, "Retry-After"));
    }

    void throttle_ignores_email_case() {
        test::TestApp t;
        test::make_user(*t.app, kEmail, test::kGoodPassword);
        Browser b(*t.app);
        b.get(pages::login, "/login");
        for (const char* e : {"ada@example.test", "ADA@example.test", "Ada@EXAMPLE.test", "aDa@example.TEST", "ADA@EXAMPLE.TEST"})
            CPPUNIT_ASSERT_EQUAL(401, b.post(pages::login, "/login", creds(e, "wrong passphrase number")).status);
        CPPUNIT_ASSERT_EQUAL(429, b.post(pages::login, "/login", creds(kEmail, test::kGoodPassword)).status);
    }

    void throttle_is_per_account_not_per_other_account() {
        test::TestApp t;
        test::make_user(*t.app, kEmail, test::kGoodPassword);
        test::make_user(*t.app, "bob@example.test", "bob's own good passphrase", "Bob");
        Browser b(*t.app);
        b.get(pages::login, "/login");
        for (int i = 0; i < 5; ++i) b.post(pages::login, "/login", creds(kEmail, "wrong passphrase number"));
        // Another address from the same client can still log in.
        CPPUNIT_ASSERT_EQUAL(303, b.post(pages::login, "/login", creds("bob@example.test", "bob's own good passphrase")).status);
        // Another client address does not lift the account's limit.
        Browser c(*t.app);
        c.get(pages::login, "/login");
        auth::Request rq = test::post_from(c, "/login", creds(kEmail, test::kGoodPassword));
        rq.remote_addr = "203.0.113.9";
        CPPUNIT_ASSERT_EQUAL(429, pages::login(rq, *t.app).status);
    }

    void login_works_after_the_window() {
        test::TestApp t;
        test::make_user(*t.app, kEmail, test::kGoodPassword);
        Browser b(*t.app);
        b.get(pages::login, "/login");
        for (int i = 0; i < 5; ++i) b.post(pages::login, "/login", creds(kEmail, "wrong passphrase number"));
        CPPUNIT_ASSERT_EQUAL(429, b.post(pages::login, "/login", creds(kEmail, test::kGoodPassword)).status);
        t.clock->advance(899);
        CPPUNIT_ASSERT_EQUAL(429, b.post(pages::login, "/login", creds(kEmail, test::kGoodPassword)).status);
        t.clock->advance(2);  // 901 s after the failures
        CPPUNIT_ASSERT_EQUAL(303, b.post(pages::login, "/login", creds(kEmail, test::kGoodPassword)).status);
    }

    void success_clears_failures() {
        test::TestApp t;
        test::make_user(*t.app, kEmail, test::kGoodPassword);
        Browser b(*t.app);
        b.get(pages::login, "/login");
        for (int i = 0; i < 4; ++i) b.post(pages::login, "/login", creds(kEmail, "wrong passphrase number"));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(4), test::login_failures_for(*t.app, kEmail));
        CPPUNIT_ASSERT_EQUAL(303, b.post(pages::login, "/login", creds(kEmail, test::kGoodPassword)).status);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), test::login_failures_for(*t.app, kEmail));
    }

    void rehash_when_cost_changed() {
        test::TestApp t;
        auth::PasswordHasher old_cost(2, 16);
        const std::string old_hash = old_cost.hash(test::kGoodPassword);
        CPPUNIT_ASSERT(t.app->hasher.needs_rehash(old_hash));
        auto id = t.app->store().users().create(kEmail, "Ada", old_hash, t.clock->now());
        CPPUNIT_ASSERT(id);
        t.clock->advance(100);
        Browser b(*t.app);
        CPPUNIT_ASSERT_EQUAL(303, test::log_in(b, kEmail, test::kGoodPassword).status);
        std::string stored = t.app->store().users().find_by_id(*id)->password_hash;
        CPPUNIT_ASSERT(stored != old_hash);
        CPPUNIT_ASSERT(!t.app->hasher.needs_rehash(stored));
        CPPUNIT_ASSERT(contains(stored, "$m=8,t=1,p=1$"));
        CPPUNIT_ASSERT(t.app->hasher.verify(stored, test::kGoodPassword));
        // The new hash still opens the account.
        Browser c(*t.app);
        CPPUNIT_ASSERT_EQUAL(303, test::log_in(c, kEmail, test::kGoodPassword).status);
    }

    void no_rehash_when_cost_unchanged() {
        test::TestApp t;
        std::int64_t id = test::make_user(*t.app, kEmail, test::kGoodPassword);
        std::string before = t.app->store().users().find_by_id(id)->password_hash;
        Browser b(*t.app);
        CPPUNIT_ASSERT_EQUAL(303, test::log_in(b, kEmail, test::kGoodPassword).status);
        CPPUNIT_ASSERT_EQUAL(before, t.app->store().users().find_by_id(id)->password_hash);
        // A wrong password never rehashes.
        auth::PasswordHasher old_cost(2, 16);
        std::int64_t bob = *t.app->store().users().create("bob@example.test", "Bob", old_cost.hash(test::kGoodPassword), 0);
        std::string bob_hash = t.app->store().users().find_by_id(bob)->password_hash;
        Browser c(*t.app);
        CPPUNIT_ASSERT_EQUAL(401, test::log_in(c, "bob@example.test", "wrong passphrase number").status);
        CPPUNIT_ASSERT_EQUAL(bob_hash, t.app->store().users().find_by_id(bob)->password_hash);
    }

    void open_redirects_fall_back_to_profile() {
        test::TestApp t;
        test::make_user(*t.app, kEmail, test::kGoodPassword);
        const char* payloads[] = {"https://evil.example",
                                  "//evil.example",
                                  "/\\evil.example",
                                  "\\/\\/evil.example",
                                  "https:evil.example",
                                  "javascript:alert(1)",
                                  "%2F%2Fevil.example",
                                  "/%2F%2Fevil.example",
                                  "/%09/evil.example",
                                  "/\t/evil.example",
                                  "@evil.example",
                                  "http://127.0.0.1:8080.evil.example/",
                                  "/../../evil",
                                  "/profile/../..//evil.example",
                                  "/x\r\nSet-Cookie: a=b",
                                  "/ evil",
                                  "/@evil.example",
                                  "evil.example"};
        for (const char* next : payloads) {
            Browser b(*t.app);
            auth::Response r = test::log_in(b, kEmail, test::kGoodPassword, next);
            CPPUNIT_ASSERT_EQUAL_MESSAGE(next, 303, r.status);
            CPPUNIT_ASSERT_EQUAL_MESSAGE(next, kBase + "/profile", test::header_value(r, "Location"));
        }
    }

    void next_with_query_is_kept() {
        test::TestApp t;
        test::make_user(*t.app, kEmail, test::kGoodPassword);
        Browser b(*t.app);
        auth::Response r = test::log_in(b, kEmail, test::kGoodPassword, "/profile?tab=password&x=1");
        CPPUNIT_ASSERT_EQUAL(kBase + "/profile?tab=password&x=1", test::header_value(r, "Location"));
        // The form re-shown after a failure keeps next.
        Browser c(*t.app);
        r = test::log_in(c, kEmail, "wrong passphrase number", "/profile");
        CPPUNIT_ASSERT_EQUAL(401, r.status);
        CPPUNIT_ASSERT(contains(r.body, "name=\"next\" value=\"/profile\""));
    }

    void wrong_path_is_404() {
        test::TestApp t;
        CPPUNIT_ASSERT_EQUAL(404, pages::login(test::get("/login/"), *t.app).status);
        CPPUNIT_ASSERT_EQUAL(404, pages::login(test::get("/"), *t.app).status);
    }

    void put_is_405() {
        test::TestApp t;
        auth::Request rq = test::post("/login", creds(kEmail, test::kGoodPassword));
        rq.method = "PUT";
        auth::Response r = pages::login(rq, *t.app);
        CPPUNIT_ASSERT_EQUAL(405, r.status);
        CPPUNIT_ASSERT_EQUAL(std::string("GET, HEAD, POST"), test::header_value(r, "Allow"));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(LoginPageTest);

}  // namespace
