// Tests for pages::profile (GET, POST /profile and POST /profile/password):
// access control, the name update, the password change with its session
// handling, timeouts, IDOR and mass assignment.
#include <cppunit/extensions/HelperMacros.h>

#include "web/responses.hh"
#include "pages/pages.hh"
#include "support.hh"

using test::Browser;

using test::contains;

namespace {

const std::string kBase = "http://127.0.0.1:8080";
const std::string kEmail = "ada@example.test";
const std::string kNewPassword = "purple elephant juggling teacups";

std::map<std::string, std::string> pw_form(const std::string& current, const std::string& fresh, const std::string& confirm) {
    return {{"current_password", current}, {"new_password", fresh}, {"new_password_confirm", confirm}};
}

struct LoggedIn {
    test::TestApp t;
    std::int64_t id;
    Browser b;
    explicit LoggedIn(const std::string& base = "http://127.0.0.1:8080",
                      const std::function<void(auth::Config&)>& tweak = {})
        : t(base, tweak), id(test::make_user(*t.app, kEmail, test::kGoodPassword, "Ada Lovelace")), b(*t.app) {
        CPPUNIT_ASSERT_EQUAL(303, test::log_in(b, kEmail, test::kGoodPassword).status);
        CPPUNIT_ASSERT_EQUAL(200, b.get(pages::profile, "/profile").status);
    }
    auth::User user() { return *t.app->store().users().find_by_id(id); }
    std::string sid() { return b.cookies()[t.app->cookie_name("sid")]; }
};

class ProfilePageTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(ProfilePageTest);
    CPPUNIT_TEST(no_session_redirects_to_login);
    CPPUNIT_TEST(no_session_keeps_the_query_in_next);
    CPPUNIT_TEST(no_session_post_changes_nothing);
    CPPUNIT_TEST(garbage_cookie_redirects_to_login);
    CPPUNIT_TEST(shows_name_and_email);
    CPPUNIT_TEST(page_leaves_cache_control_to_serve);
    CPPUNIT_TEST(update_name_redirects_with_flash);
    CPPUNIT_TEST(update_name_trims);
    CPPUNIT_TEST(invalid_name_is_422_keeping_input);
    CPPUNIT_TEST(name_with_control_chars_is_422);
    CPPUNIT_TEST(xss_name_is_escaped_everywhere);
    CPPUNIT_TEST(update_without_token_is_403);
    CPPUNIT_TEST(update_cross_site_is_403);
    CPPUNIT_TEST(mass_assignment_changes_only_the_name);
    CPPUNIT_TEST(one_user_cannot_touch_another);
    CPPUNIT_TEST(wrong_current_password_is_403);
    CPPUNIT_TEST(missing_current_password_is_422);
    CPPUNIT_TEST(weak_new_password_is_422);
    CPPUNIT_TEST(new_password_with_name_is_422);
    CPPUNIT_TEST(mismatched_new_password_is_422);
    CPPUNIT_TEST(password_change_success);
    CPPUNIT_TEST(password_change_ends_other_sessions);
    CPPUNIT_TEST(password_change_rotates_current_session);
    CPPUNIT_TEST(password_change_voids_reset_links);
    CPPUNIT_TEST(password_change_without_token_is_403);
    CPPUNIT_TEST(password_change_throttled_after_wrong_passwords);
    CPPUNIT_TEST(password_change_throttle_message_in_words);
    CPPUNIT_TEST(get_password_path_redirects_to_profile);
    CPPUNIT_TEST(get_password_path_without_session_redirects_to_login);
    CPPUNIT_TEST(other_methods_are_405);
    CPPUNIT_TEST(other_paths_are_404);
    CPPUNIT_TEST(idle_timeout_redirects_to_login);
    CPPUNIT_TEST(absolute_timeout_despite_activity);
    CPPUNIT_TEST(deleted_user_session_is_dead);
    CPPUNIT_TEST_SUITE_END();

    static void assert_field_error(const auth::Response& r, const std::string& field, const std::string& message) {
        CPPUNIT_ASSERT_MESSAGE(field, contains(r.body, "aria-describedby=\"" + field + "-error\"") ||
                                          contains(r.body, " " + field + "-error\""));
        CPPUNIT_ASSERT_MESSAGE(field + ": " + message,
                               contains(r.body, "<p class=\"error\" id=\"" + field + "-error\">" + message));
        CPPUNIT_ASSERT(contains(r.body, "Please correct the marked fields."));
    }

public:
    void no_session_redirects_to_login() {
        test::TestApp t;
        auth::Response r = pages::profile(test::get("/profile"), *t.app);
        CPPUNIT_ASSERT_EQUAL(303, r.status);
        // url_encode keeps '/' (allowed in a query), encodes the rest.
        CPPUNIT_ASSERT_EQUAL(kBase + "/login?next=/profile", test::header_value(r, "Location"));
        CPPUNIT_ASSERT(r.body.empty());
        CPPUNIT_ASSERT(!test::sets_cookie(r, "sid"));
    }

    void no_session_keeps_the_query_in_next() {
        test::TestApp t;
        auth::Response r = pages::profile(test::get("/profile", {{"tab", "a b&c"}}), *t.app);
        CPPUNIT_ASSERT_EQUAL(kBase + "/login?next=/profile%3Ftab%3Da%2520b%2526c", test::header_value(r, "Location"));
        r = pages::profile(test::get("/profile", {{"x", "\r\nSet-Cookie: a=b"}}), *t.app);
        std::string loc = test::header_value(r, "Location");
        CPPUNIT_ASSERT(loc.find_first_of("\r\n ") == std::string::npos);
        CPPUNIT_ASSERT_EQUAL(0, loc.compare(0, kBase.size() + 7, kBase + "/login?"));
    }

    void no_session_post_changes_nothing() {
        test::TestApp t;
        std::int64_t id = test::make_user(*t.app, kEmail, test::kGoodPassword, "Ada");
        Browser b(*t.app);
        b.get(pages::login, "/login");
        auth::Response r = b.post(pages::profile, "/profile", {{"name", "Changed"}});
        CPPUNIT_ASSERT_EQUAL(303, r.status);
        CPPUNIT_ASSERT_EQUAL(kBase + "/login?next=/profile", test::header_value(r, "Location"));
        r = b.post(pages::profile, "/profile/password", pw_form(test::kGoodPassword, kNewPassword, kNewPassword));
        CPPUNIT_ASSERT_EQUAL(kBase + "/login?next=/profile/password", test::header_value(r, "Location"));
        CPPUNIT_ASSERT_EQUAL(std::string("Ada"), t.app->store().users().find_by_id(id)->name);
        CPPUNIT_ASSERT(t.app->hasher.verify(t.app->store().users().find_by_id(id)->password_hash, test::kGoodPassword));
    }

    void garbage_cookie_redirects_to_login() {
        test::TestApp t;
        test::make_user(*t.app, kEmail, test::kGoodPassword);
        for (const std::string& sid : {std::string(""), std::string("x"), std::string(43, 'A'), std::string(44, 'A'),
                                       std::string("' OR '1'='1"), std::string(5000, 'z')}) {
            auth::Request rq = test::get("/profile");
            rq.cookies["sid"] = sid;
            auth::Response r = pages::profile(rq, *t.app);
            CPPUNIT_ASSERT_EQUAL(303, r.status);
            CPPUNIT_ASSERT_EQUAL(kBase + "/login?next=/profile", test::header_value(r, "Location"));
            CPPUNIT_ASSERT(!contains(r.body, kEmail));
        }
    }

    void shows_name_and_email() {
        LoggedIn s;
        auth::Response r = s.b.get(pages::profile, "/profile");
        CPPUNIT_ASSERT_EQUAL(200, r.status);
        CPPUNIT_ASSERT(contains(r.body, "<dd>" + kEmail + "</dd>"));
        CPPUNIT_ASSERT(contains(r.body, "id=\"name\" name=\"name\" type=\"text\" autocomplete=\"name\" maxlength=\"100\" "
                                        "required value=\"Ada Lovelace\""));
        CPPUNIT_ASSERT(contains(r.body, "<dt>Member since</dt><dd>2027-01-15</dd>"));
        CPPUNIT_ASSERT(contains(r.body, "<form method=\"post\" action=\"/profile/password\""));
        CPPUNIT_ASSERT(contains(r.body, "autocomplete=\"current-password\""));
        CPPUNIT_ASSERT(contains(r.body, "name=\"new_password\" type=\"password\" autocomplete=\"new-password\""));
        CPPUNIT_ASSERT(contains(r.body, "<span class=\"visually-hidden\">Profile of </span>Ada Lovelace"));
        CPPUNIT_ASSERT_EQUAL(std::size_t(65), test::csrf_token_in(r.body).size());
        // Only the fields a person edits: no hidden id or role.
        for (const char* hidden : {"name=\"id\"", "name=\"user_id\"", "name=\"email\"", "name=\"role\""})
            CPPUNIT_ASSERT_MESSAGE(hidden, !contains(r.body, hidden));
        // Never the hash or the session token.
        CPPUNIT_ASSERT(!contains(r.body, "$argon2id$"));
        CPPUNIT_ASSERT(!contains(r.body, s.sid()));
    }

    void page_leaves_cache_control_to_serve() {
        LoggedIn s;
        auth::Response r = s.b.get(pages::profile, "/profile");
        // The page sets no caching header of its own; add_standard_headers
        // (called by serve) then makes it no-store.
        CPPUNIT_ASSERT(!r.header("Cache-Control"));
        auth::add_standard_headers(r, s.t.app->config());
        CPPUNIT_ASSERT_EQUAL(std::string("no-store"), test::header_value(r, "Cache-Control"));
    }

    void update_name_redirects_with_flash() {
        LoggedIn s;
        s.t.clock->advance(5);
        auth::Response r = s.b.post(pages::profile, "/profile", {{"name", "Augusta Ada King"}});
        CPPUNIT_ASSERT_EQUAL(303, r.status);
        CPPUNIT_ASSERT_EQUAL(kBase + "/profile", test::header_value(r, "Location"));
        CPPUNIT_ASSERT_EQUAL(std::string("profile_saved"), test::set_cookie_value(r, "flash"));
        CPPUNIT_ASSERT_EQUAL(std::string("Augusta Ada King"), s.user().name);
        auto q = test::db(*s.t.app).query("SELECT updated_at FROM users WHERE id = ?");
        q.bind(1, s.id);
        CPPUNIT_ASSERT(q.step());
        CPPUNIT_ASSERT_EQUAL(s.t.clock->now(), q.int64(0));
        auth::Response page = s.b.get(pages::profile, "/profile");
        CPPUNIT_ASSERT(contains(page.body, "Profile saved."));
        CPPUNIT_ASSERT(contains(page.body, "value=\"Augusta Ada King\""));
    }

    void update_name_trims() {
        LoggedIn s;
        CPPUNIT_ASSERT_EQUAL(303, s.b.post(pages::profile, "/profile", {{"name", "  Ada King \t"}}).status);
        CPPUNIT_ASSERT_EQUAL(std::string("Ada King"), s.user().name);
    }

    void invalid_name_is_422_keeping_input() {
        LoggedIn s;
        auth::Response r = s.b.post(pages::profile, "/profile", {{"name", "   "}});
        CPPUNIT_ASSERT_EQUAL(422, r.status);
        assert_field_error(r, "name", "Enter your full name.");
        CPPUNIT_ASSERT(contains(r.body, "aria-invalid=\"true\" aria-describedby=\"name-error\""));
        CPPUNIT_ASSERT(contains(r.body, "<dd>" + kEmail + "</dd>"));
        const std::string long_name(101, 'n');
        r = s.b.post(pages::profile, "/profile", {{"name", long_name}});
        CPPUNIT_ASSERT_EQUAL(422, r.status);
        assert_field_error(r, "name", "Use at most 100 characters for your name.");
        CPPUNIT_ASSERT(contains(r.body, "value=\"" + long_name + "\""));
        CPPUNIT_ASSERT_EQUAL(std::string("Ada Lovelace"), s.user().name);
        CPPUNIT_ASSERT(!test::sets_cookie(r, "flash"));
    }

    void name_with_control_chars_is_422() {
        LoggedIn s;
        for (const std::string& name : {std::string("Ada\x1b[31m"), std::string("Ada\r\nBcc: x@y.test"),
                                        std::string("Ada \xe2\x80\xae" "olleh"), std::string("Ada\xc0\xaf")}) {
            auth::Response r = s.b.post(pages::profile, "/profile", {{"name", name}});
            CPPUNIT_ASSERT_EQUAL(422, r.status);
            assert_field_error(r, "name", "The name contains characters that are not allowed");
        }
        CPPUNIT_ASSERT_EQUAL(std::string("Ada Lovelace"), s.user().name);
    }

    void xss_name_is_escaped_everywhere() {
        LoggedIn s;
        const std::string name = "<img src=x onerror=alert(1)>\"' {{>CONTENT}}";
        CPPUNIT_ASSERT_EQUAL(303, s.b.post(pages::profile, "/profile", {{"name", name}}).status);
        CPPUNIT_ASSERT_EQUAL(name, s.user().name);
        const std::string escaped = "&lt;img src=x onerror=alert(1)&gt;&quot;&#39; {{&gt;CONTENT}}";
        auth::Response profile = s.b.get(pages::profile, "/profile");
        auth::Response home = s.b.get(pages::home, "/");
        for (const auth::Response* r : {&profile, &home}) {
            CPPUNIT_ASSERT(!contains(r->body, "<img"));
            CPPUNIT_ASSERT(contains(r->body, escaped));
        }
    }

    void update_without_token_is_403() {
        LoggedIn s;
        auth::Response r = s.b.post(pages::profile, "/profile", {{"name", "Mallory"}, {"csrf_token", ""}});
        CPPUNIT_ASSERT_EQUAL(403, r.status);
        CPPUNIT_ASSERT_EQUAL(std::string("Ada Lovelace"), s.user().name);
        // The token of another logged-in browser does not work either.
        test::make_user(*s.t.app, "mallory@example.test", test::kGoodPassword, "Mallory");
        Browser mallory(*s.t.app);
        test::log_in(mallory, "mallory@example.test", test::kGoodPassword);
        mallory.get(pages::profile, "/profile");
        r = s.b.post(pages::profile, "/profile", {{"name", "Mallory"}, {"csrf_token", mallory.last_csrf_token()}});
        CPPUNIT_ASSERT_EQUAL(403, r.status);
        CPPUNIT_ASSERT_EQUAL(std::string("Ada Lovelace"), s.user().name);
    }

    void update_cross_site_is_403() {
        LoggedIn s;
        auth::Request rq = test::post_from(s.b, "/profile", {{"name", "Mallory"}});
        rq.sec_fetch_site = "cross-site";
        CPPUNIT_ASSERT_EQUAL(403, pages::profile(rq, *s.t.app).status);
        rq.sec_fetch_site = "same-site";
        rq.origin = "http://evil.127.0.0.1.nip.io:8080";
        CPPUNIT_ASSERT_EQUAL(403, pages::profile(rq, *s.t.app).status);
        rq.path = "/profile/password";
        rq.form = pw_form(test::kGoodPassword, kNewPassword, kNewPassword);
        rq.form["csrf_token"] = s.b.last_csrf_token();
        CPPUNIT_ASSERT_EQUAL(403, pages::profile(rq, *s.t.app).status);
        CPPUNIT_ASSERT_EQUAL(std::string("Ada Lovelace"), s.user().name);
        CPPUNIT_ASSERT(s.t.app->hasher.verify(s.user().password_hash, test::kGoodPassword));
        // Sanity: the same request from the site itself works.
        rq.origin = kBase;
        rq.sec_fetch_site = "same-origin";
        CPPUNIT_ASSERT_EQUAL(303, pages::profile(rq, *s.t.app).status);
    }

    void mass_assignment_changes_only_the_name() {
        LoggedIn s;
        std::int64_t other = test::make_user(*s.t.app, "bob@example.test", "bob's own good passphrase", "Bob");
        auth::User me_before = s.user();
        auth::User bob_before = *s.t.app->store().users().find_by_id(other);
        auth::Response r = s.b.post(pages::profile, "/profile",
                                    {{"name", "New Name"},
                                     {"id", std::to_string(other)},
                                     {"user_id", std::to_string(other)},
                                     {"uid", std::to_string(other)},
                                     {"email", "bob@example.test"},
                                     {"password_hash", me_before.password_hash + "x"},
                                     {"pw_hash", "x"},
                                     {"created_at", "0"},
                                     {"is_admin", "1"},
                                     {"role", "admin"}});
        CPPUNIT_ASSERT_EQUAL(303, r.status);
        auth::User me = s.user();
        CPPUNIT_ASSERT_EQUAL(std::string("New Name"), me.name);
        CPPUNIT_ASSERT_EQUAL(me_before.email, me.email);
        CPPUNIT_ASSERT_EQUAL(me_before.password_hash, me.password_hash);
        CPPUNIT_ASSERT_EQUAL(me_before.created_at, me.created_at);
        auth::User bob = *s.t.app->store().users().find_by_id(other);
        CPPUNIT_ASSERT_EQUAL(bob_before.name, bob.name);
        CPPUNIT_ASSERT_EQUAL(bob_before.email, bob.email);
        CPPUNIT_ASSERT_EQUAL(bob_before.password_hash, bob.password_hash);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(2), test::user_count(*s.t.app));
        // The same fields in the query string or in cookies change nothing either.
        auth::Request rq = test::post_from(s.b, "/profile", {{"name", "Third Name"}});
        rq.query = {{"id", std::to_string(other)}, {"user_id", std::to_string(other)}};
        rq.cookies["user_id"] = std::to_string(other);
        s.b.get(pages::profile, "/profile");
        rq.form["csrf_token"] = s.b.last_csrf_token();
        CPPUNIT_ASSERT_EQUAL(303, pages::profile(rq, *s.t.app).status);
        CPPUNIT_ASSERT_EQUAL(std::string("Third Name"), s.user().name);
        CPPUNIT_ASSERT_EQUAL(bob_before.name, s.t.app->store().users().find_by_id(other)->name);
    }

    void one_user_cannot_touch_another() {
        LoggedIn s;
        std::int64_t other = test::make_user(*s.t.app, "bob@example.test", "bob's own good passphrase", "Bob");
        Browser bob(*s.t.app);
        CPPUNIT_ASSERT_EQUAL(303, test::log_in(bob, "bob@example.test", "bob's own good passphrase").status);
        auth::Response page = bob.get(pages::profile, "/profile", {{"id", std::to_string(s.id)}});
        CPPUNIT_ASSERT(contains(page.body, "bob@example.test"));
        CPPUNIT_ASSERT(!contains(page.body, kEmail));
        CPPUNIT_ASSERT(!contains(page.body, "Ada Lovelace"));
        CPPUNIT_ASSERT_EQUAL(303, bob.post(pages::profile, "/profile", {{"name", "Bobby"}, {"id", std::to_string(s.id)}}).status);
        CPPUNIT_ASSERT_EQUAL(std::string("Bobby"), s.t.app->store().users().find_by_id(other)->name);
        CPPUNIT_ASSERT_EQUAL(std::string("Ada Lovelace"), s.user().name);
    }

    void wrong_current_password_is_403() {
        LoggedIn s;
        const std::string before = s.user().password_hash;
        auth::Response r =
            s.b.post(pages::profile, "/profile/password", pw_form("not my passphrase at all", kNewPassword, kNewPassword));
        CPPUNIT_ASSERT_EQUAL(403, r.status);
        assert_field_error(r, "current_password", "Your current password is not right.");
        CPPUNIT_ASSERT(!contains(r.body, kNewPassword));
        CPPUNIT_ASSERT(!contains(r.body, "not my passphrase"));
        CPPUNIT_ASSERT_EQUAL(before, s.user().password_hash);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), test::login_failures_for(*s.t.app, kEmail));
        CPPUNIT_ASSERT(!test::sets_cookie(r, "sid"));
        // Still logged in: a typo does not cost the session.
        CPPUNIT_ASSERT_EQUAL(200, s.b.get(pages::profile, "/profile").status);
    }

    void missing_current_password_is_422() {
        LoggedIn s;
        const std::string before = s.user().password_hash;
        auth::Response r = s.b.post(pages::profile, "/profile/password", pw_form("", kNewPassword, kNewPassword));
        CPPUNIT_ASSERT_EQUAL(422, r.status);
        assert_field_error(r, "current_password", "Enter your current password.");
        CPPUNIT_ASSERT_EQUAL(before, s.user().password_hash);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), test::login_failures_for(*s.t.app, kEmail));
        // No field at all is the same as an empty one.
        r = s.b.post(pages::profile, "/profile/password", {{"new_password", kNewPassword}});
        CPPUNIT_ASSERT_EQUAL(422, r.status);
        CPPUNIT_ASSERT_EQUAL(before, s.user().password_hash);
    }

    void weak_new_password_is_422() {
        LoggedIn s;
        const std::string before = s.user().password_hash;
        for (const char* weak : {"short", "passwordpassword", "123456789012345", "aaaaaaaaaaaaaaaa"}) {
            auth::Response r = s.b.post(pages::profile, "/profile/password", pw_form(test::kGoodPassword, weak, weak));
            CPPUNIT_ASSERT_EQUAL_MESSAGE(weak, 422, r.status);
            CPPUNIT_ASSERT(contains(r.body, "<p class=\"error\" id=\"new_password-error\">"));
            CPPUNIT_ASSERT(contains(r.body, "aria-describedby=\"new_password-hint new_password-error\""));
            CPPUNIT_ASSERT(!contains(r.body, test::kGoodPassword));
        }
        CPPUNIT_ASSERT_EQUAL(before, s.user().password_hash);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), test::login_failures_for(*s.t.app, kEmail));
    }

    void new_password_with_name_is_422() {
        LoggedIn s;
        const std::string pw = "ada lovelace forever and ever";
        auth::Response r = s.b.post(pages::profile, "/profile/password", pw_form(test::kGoodPassword, pw, pw));
        CPPUNIT_ASSERT_EQUAL(422, r.status);
        assert_field_error(r, "new_password", "Don&#39;t use your email address or name in your password.");
    }

    void mismatched_new_password_is_422() {
        LoggedIn s;
        const std::string before = s.user().password_hash;
        auth::Response r =
            s.b.post(pages::profile, "/profile/password", pw_form(test::kGoodPassword, kNewPassword, kNewPassword + "!"));
        CPPUNIT_ASSERT_EQUAL(422, r.status);
        assert_field_error(r, "new_password_confirm", "The two new passwords do not match.");
        CPPUNIT_ASSERT_EQUAL(before, s.user().password_hash);
    }

    void password_change_success() {
        LoggedIn s;
        const std::string before = s.user().password_hash;
        s.t.clock->advance(10);
        auth::Response r =
            s.b.post(pages::profile, "/profile/password", pw_form(test::kGoodPassword, kNewPassword, kNewPassword));
        CPPUNIT_ASSERT_EQUAL(303, r.status);
        CPPUNIT_ASSERT_EQUAL(kBase + "/profile", test::header_value(r, "Location"));
        CPPUNIT_ASSERT_EQUAL(std::string("password_changed"), test::set_cookie_value(r, "flash"));
        auth::User after = s.user();
        CPPUNIT_ASSERT(after.password_hash != before);
        CPPUNIT_ASSERT(!s.t.app->hasher.verify(after.password_hash, test::kGoodPassword));
        CPPUNIT_ASSERT(s.t.app->hasher.verify(after.password_hash, kNewPassword));
        auto q = test::db(*s.t.app).query("SELECT password_changed_at FROM users WHERE id = ?");
        q.bind(1, s.id);
        CPPUNIT_ASSERT(q.step());
        CPPUNIT_ASSERT_EQUAL(s.t.clock->now(), q.int64(0));
        auth::Response page = s.b.get(pages::profile, "/profile");
        CPPUNIT_ASSERT_EQUAL(200, page.status);
        CPPUNIT_ASSERT(contains(page.body, "Password changed. Your other sessions have been ended."));
        // Log out, then only the new password opens the account.
        s.b.get(pages::logout, "/logout");
        CPPUNIT_ASSERT_EQUAL(303, s.b.post(pages::logout, "/logout", {}).status);
        Browser c(*s.t.app);
        CPPUNIT_ASSERT_EQUAL(401, test::log_in(c, kEmail, test::kGoodPassword).status);
        CPPUNIT_ASSERT_EQUAL(303, test::log_in(c, kEmail, kNewPassword).status);
    }

    void password_change_ends_other_sessions() {
        LoggedIn s;
        Browser other(*s.t.app);
        CPPUNIT_ASSERT_EQUAL(303, test::log_in(other, kEmail, test::kGoodPassword).status);
        CPPUNIT_ASSERT_EQUAL(200, other.get(pages::profile, "/profile").status);
        // Someone else's session is not touched.
        test::make_user(*s.t.app, "bob@example.test", "bob's own good passphrase", "Bob");
        Browser bob(*s.t.app);
        CPPUNIT_ASSERT_EQUAL(303, test::log_in(bob, "bob@example.test", "bob's own good passphrase").status);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(2), test::session_count(*s.t.app, s.id));

        CPPUNIT_ASSERT_EQUAL(303, s.b.post(pages::profile, "/profile/password",
                                           pw_form(test::kGoodPassword, kNewPassword, kNewPassword))
                                      .status);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), test::session_count(*s.t.app, s.id));
        auth::Response r = other.get(pages::profile, "/profile");
        CPPUNIT_ASSERT_EQUAL(303, r.status);
        CPPUNIT_ASSERT_EQUAL(kBase + "/login?next=/profile", test::header_value(r, "Location"));
        CPPUNIT_ASSERT_EQUAL(200, bob.get(pages::profile, "/profile").status);
    }

    void password_change_rotates_current_session() {
        LoggedIn s;
        const std::string old_sid = s.sid();
        auth::Response r =
            s.b.post(pages::profile, "/profile/password", pw_form(test::kGoodPassword, kNewPassword, kNewPassword));
        CPPUNIT_ASSERT_EQUAL(303, r.status);
        std::string h = test::set_cookie_header(r, "sid");
        std::string fresh = test::set_cookie_value(r, "sid");
        CPPUNIT_ASSERT_EQUAL(std::size_t(43), fresh.size());
        CPPUNIT_ASSERT(fresh != old_sid);
        CPPUNIT_ASSERT(contains(h, "; HttpOnly"));
        CPPUNIT_ASSERT(contains(h, "; SameSite=Lax"));
        CPPUNIT_ASSERT(!contains(h, "Max-Age"));
        CPPUNIT_ASSERT(!s.t.app->store().sessions().lookup(old_sid));
        CPPUNIT_ASSERT(s.t.app->store().sessions().lookup(fresh));
        // The browser keeps working with the new cookie, forms included.
        auth::Response page = s.b.get(pages::profile, "/profile");
        CPPUNIT_ASSERT_EQUAL(200, page.status);
        CPPUNIT_ASSERT_EQUAL(303, s.b.post(pages::profile, "/profile", {{"name", "Still Me"}}).status);
        CPPUNIT_ASSERT_EQUAL(std::string("Still Me"), s.user().name);
        // The old cookie opens nothing.
        auth::Request rq = test::get_from(s.b, "/profile");
        rq.cookies["sid"] = old_sid;
        CPPUNIT_ASSERT_EQUAL(303, pages::profile(rq, *s.t.app).status);
    }

    void password_change_voids_reset_links() {
        LoggedIn s;
        // A reset link mailed earlier (to someone who may no longer be the
        // owner) must not work once the password has been changed.
        const std::string token = s.t.app->store().reset_tokens().issue(s.id);
        CPPUNIT_ASSERT(s.t.app->store().reset_tokens().check(token).state == auth::TokenState::Valid);
        CPPUNIT_ASSERT_EQUAL(303, s.b.post(pages::profile, "/profile/password",
                                           pw_form(test::kGoodPassword, kNewPassword, kNewPassword))
                                      .status);
        CPPUNIT_ASSERT(s.t.app->store().reset_tokens().check(token).state != auth::TokenState::Valid);
        CPPUNIT_ASSERT(!s.t.app->store().reset_tokens().consume(token));
        // A refused change leaves a link alone.
        const std::string later = s.t.app->store().reset_tokens().issue(s.id);
        s.b.get(pages::profile, "/profile");
        CPPUNIT_ASSERT_EQUAL(403, s.b.post(pages::profile, "/profile/password",
                                           pw_form("not my passphrase at all", kNewPassword, kNewPassword))
                                      .status);
        CPPUNIT_ASSERT(s.t.app->store().reset_tokens().check(later).state == auth::TokenState::Valid);
    }

    void password_change_without_token_is_403() {
        LoggedIn s;
        const std::string before = s.user().password_hash;
        auto f = pw_form(test::kGoodPassword, kNewPassword, kNewPassword);
        f["csrf_token"] = "";
        CPPUNIT_ASSERT_EQUAL(403, s.b.post(pages::profile, "/profile/password", f).status);
        CPPUNIT_ASSERT_EQUAL(before, s.user().password_hash);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), test::session_count(*s.t.app, s.id));
    }

    void password_change_throttled_after_wrong_passwords() {
        LoggedIn s;
        const std::string before = s.user().password_hash;
        for (int i = 0; i < 5; ++i)
            CPPUNIT_ASSERT_EQUAL(403, s.b.post(pages::profile, "/profile/password",
                                               pw_form("guess number " + std::to_string(i), kNewPassword, kNewPassword))
                                          .status);
        auth::Response r =
            s.b.post(pages::profile, "/profile/password", pw_form(test::kGoodPassword, kNewPassword, kNewPassword));
        CPPUNIT_ASSERT_EQUAL(429, r.status);
        CPPUNIT_ASSERT_EQUAL(std::string("900"), test::header_value(r, "Retry-After"));
        CPPUNIT_ASSERT(contains(r.body, "id=\"current_password-error\">Too many wrong passwords. Wait 15 minutes"));
        CPPUNIT_ASSERT_EQUAL(before, s.user().password_hash);
        // The same counter guards the login form.
        Browser c(*s.t.app);
        CPPUNIT_ASSERT_EQUAL(429, test::log_in(c, kEmail, test::kGoodPassword).status);
        // After the window the change works.
        s.t.clock->advance(901);
        s.b.get(pages::profile, "/profile");
        CPPUNIT_ASSERT_EQUAL(303, s.b.post(pages::profile, "/profile/password",
                                           pw_form(test::kGoodPassword, kNewPassword, kNewPassword))
                                      .status);
    }

    void password_change_throttle_message_in_words() {
        LoggedIn s;
        for (int i = 0; i < 5; ++i)
            s.b.post(pages::profile, "/profile/password", pw_form("guess number " + std::to_string(i), kNewPassword, kNewPassword));
        s.t.clock->advance(850);  // 50 s left
        auth::Response r =
            s.b.post(pages::profile, "/profile/password", pw_form(test::kGoodPassword, kNewPassword, kNewPassword));
        CPPUNIT_ASSERT_EQUAL(429, r.status);
        CPPUNIT_ASSERT_EQUAL(std::string("50"), test::header_value(r, "Retry-After"));
        CPPUNIT_ASSERT(contains(r.body, "Too many wrong passwords. Wait 1 minute and try again."));
    }

    void get_password_path_redirects_to_profile() {
        LoggedIn s;
        auth::Response r = s.b.get(pages::profile, "/profile/password",
                                   {{"current_password", test::kGoodPassword},
                                    {"new_password", kNewPassword},
                                    {"new_password_confirm", kNewPassword}});
        CPPUNIT_ASSERT_EQUAL(303, r.status);
        CPPUNIT_ASSERT_EQUAL(kBase + "/profile", test::header_value(r, "Location"));
        CPPUNIT_ASSERT(s.t.app->hasher.verify(s.user().password_hash, test::kGoodPassword));
    }

    void get_password_path_without_session_redirects_to_login() {
        test::TestApp t;
        auth::Response r = pages::profile(test::get("/profile/password"), *t.app);
        CPPUNIT_ASSERT_EQUAL(303, r.status);
        CPPUNIT_ASSERT_EQUAL(kBase + "/login?next=/profile/password", test::header_value(r, "Location"));
    }

    void other_methods_are_405() {
        LoggedIn s;
        auth::Request rq = test::post_from(s.b, "/profile", {{"name", "Put Name"}});
        rq.method = "PUT";
        auth::Response r = pages::profile(rq, *s.t.app);
        CPPUNIT_ASSERT_EQUAL(405, r.status);
        CPPUNIT_ASSERT_EQUAL(std::string("GET, HEAD, POST"), test::header_value(r, "Allow"));
        rq.path = "/profile/password";
        rq.method = "DELETE";
        r = pages::profile(rq, *s.t.app);
        CPPUNIT_ASSERT_EQUAL(405, r.status);
        CPPUNIT_ASSERT_EQUAL(std::string("POST"), test::header_value(r, "Allow"));
        CPPUNIT_ASSERT_EQUAL(std::string("Ada Lovelace"), s.user().name);
    }

    void other_paths_are_404() {
        LoggedIn s;
        for (const char* path : {"/profile/", "/profile/other", "/profile/password/", "/profiles", "/"}) {
            auth::Response r = s.b.get(pages::profile, path);
            CPPUNIT_ASSERT_EQUAL_MESSAGE(path, 404, r.status);
            CPPUNIT_ASSERT(!contains(r.body, kEmail));
        }
    }

    void idle_timeout_redirects_to_login() {
        LoggedIn s;
        const std::int64_t idle = s.t.app->config().session_idle_timeout;
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1800), idle);
        s.t.clock->advance(idle - 1);
        CPPUNIT_ASSERT_EQUAL(200, s.b.get(pages::profile, "/profile").status);
        s.t.clock->advance(idle - 1);  // activity moved the idle deadline
        CPPUNIT_ASSERT_EQUAL(200, s.b.get(pages::profile, "/profile").status);
        const std::string sid = s.sid();
        s.t.clock->advance(idle);  // exactly at the limit is too late
        auth::Response r = s.b.get(pages::profile, "/profile");
        CPPUNIT_ASSERT_EQUAL(303, r.status);
        CPPUNIT_ASSERT_EQUAL(kBase + "/login?next=/profile", test::header_value(r, "Location"));
        CPPUNIT_ASSERT(contains(test::set_cookie_header(r, "sid"), "Max-Age=0"));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), test::session_count(*s.t.app, s.id));
        // Going back in time does not revive it.
        s.t.clock->advance(-idle);
        CPPUNIT_ASSERT(!s.t.app->store().sessions().lookup(sid));
    }

    void absolute_timeout_despite_activity() {
        LoggedIn s("http://127.0.0.1:8080", [](auth::Config& c) {
            c.session_idle_timeout = 600;
            c.session_absolute_timeout = 3600;
        });
        // A request every 500 s keeps the session from idling out...
        for (int i = 0; i < 7; ++i) {
            s.t.clock->advance(500);
            CPPUNIT_ASSERT_EQUAL(200, s.b.get(pages::profile, "/profile").status);
        }
        s.t.clock->advance(99);  // 3599 s after the login
        CPPUNIT_ASSERT_EQUAL(200, s.b.get(pages::profile, "/profile").status);
        // ...but not past the absolute limit.
        s.t.clock->advance(1);
        auth::Response r = s.b.get(pages::profile, "/profile");
        CPPUNIT_ASSERT_EQUAL(303, r.status);
        CPPUNIT_ASSERT_EQUAL(kBase + "/login?next=/profile", test::header_value(r, "Location"));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), test::session_count(*s.t.app, s.id));
        // A new login starts a new absolute period.
        CPPUNIT_ASSERT_EQUAL(303, test::log_in(s.b, kEmail, test::kGoodPassword).status);
        s.t.clock->advance(500);
        CPPUNIT_ASSERT_EQUAL(200, s.b.get(pages::profile, "/profile").status);
    }

    void deleted_user_session_is_dead() {
        LoggedIn s;
        test::db(*s.t.app).query("DELETE FROM users WHERE id = ?").bind(1, s.id).exec();
        auth::Response r = s.b.get(pages::profile, "/profile");
        CPPUNIT_ASSERT_EQUAL(303, r.status);
        CPPUNIT_ASSERT(!contains(r.body, kEmail));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(ProfilePageTest);

}  // namespace
