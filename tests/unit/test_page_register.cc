// Tests for pages::register_account (GET, POST /register) with
// SIGNUP_CONFIRMATION=False (the account at once): the form, CSRF,
// validation with messages next to the fields, the new account row. The
// form checks are the same with confirmation; what differs is in
// test_page_signup.cc.
#include <cppunit/extensions/HelperMacros.h>

#include "pages/pages.hh"
#include "support.hh"

using test::Browser;

using test::contains;

namespace {

std::map<std::string, std::string> form(const std::string& name, const std::string& email, const std::string& password,
                                        const std::string& confirm) {
    return {{"name", name}, {"email", email}, {"password", password}, {"password_confirm", confirm}};
}

std::map<std::string, std::string> good_form(const std::string& email = "ada@example.test") {
    return form("Ada Lovelace", email, test::kGoodPassword, test::kGoodPassword);
}

// 15 different emoji (60 bytes), no pattern or run.
const std::string kFifteenEmoji = "🐎🍕🚀🎉🌍🐙🍩🎸🌵🦊🍉🚲🎈🌙🐢";

const std::string kBase = "http://127.0.0.1:8080";
void without_confirmation(auth::Config& c) { c.signup_confirmation = false; }

class RegisterPageTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(RegisterPageTest);
    CPPUNIT_TEST(get_shows_form_with_token_and_labels);
    CPPUNIT_TEST(get_sets_csrf_cookie);
    CPPUNIT_TEST(post_without_token_is_403);
    CPPUNIT_TEST(post_with_wrong_token_is_403);
    CPPUNIT_TEST(post_with_token_of_other_browser_is_403);
    CPPUNIT_TEST(post_without_csrf_cookie_is_403);
    CPPUNIT_TEST(cross_site_fetch_is_403);
    CPPUNIT_TEST(foreign_origin_is_403);
    CPPUNIT_TEST(same_origin_headers_are_accepted);
    CPPUNIT_TEST(success_redirects_to_login_with_flash);
    CPPUNIT_TEST(success_stores_argon2id_hash);
    CPPUNIT_TEST(success_then_login_works);
    CPPUNIT_TEST(email_domain_is_lowercased);
    CPPUNIT_TEST(name_and_email_are_trimmed);
    CPPUNIT_TEST(invalid_email_is_422_next_to_field);
    CPPUNIT_TEST(email_with_crlf_is_422);
    CPPUNIT_TEST(empty_name_is_422);
    CPPUNIT_TEST(short_password_is_422);
    CPPUNIT_TEST(common_password_is_422);
    CPPUNIT_TEST(password_with_email_is_422);
    CPPUNIT_TEST(long_password_is_422);
    CPPUNIT_TEST(mismatched_confirm_is_422);
    CPPUNIT_TEST(several_errors_at_once);
    CPPUNIT_TEST(taken_email_is_409_with_form_kept);
    CPPUNIT_TEST(taken_email_other_case_is_409);
    CPPUNIT_TEST(xss_in_name_and_email_is_escaped);
    CPPUNIT_TEST(template_syntax_in_name_renders_literally);
    CPPUNIT_TEST(name_with_control_chars_is_422);
    CPPUNIT_TEST(name_with_bidi_override_is_422);
    CPPUNIT_TEST(name_over_100_chars_is_422);
    CPPUNIT_TEST(name_of_100_chars_is_accepted);
    CPPUNIT_TEST(unicode_name_round_trips);
    CPPUNIT_TEST(fifteen_emoji_password_accepted);
    CPPUNIT_TEST(password_is_not_trimmed_or_normalised);
    CPPUNIT_TEST(min_length_counts_code_points);
    CPPUNIT_TEST(wrong_path_is_404);
    CPPUNIT_TEST(put_is_405);
    CPPUNIT_TEST(query_string_is_not_a_form);
    CPPUNIT_TEST_SUITE_END();

    // Status and body of a POST from a browser that loaded the form first.
    static auth::Response submit(test::TestApp& t, const std::map<std::string, std::string>& f) {
        Browser b(*t.app);
        CPPUNIT_ASSERT_EQUAL(200, b.get(pages::register_account, "/register").status);
        return b.post(pages::register_account, "/register", f);
    }

    static void assert_field_error(const auth::Response& r, const std::string& field, const std::string& message) {
        CPPUNIT_ASSERT_MESSAGE(field, contains(r.body, "aria-describedby=\"" + field + "-error\"") ||
                                          contains(r.body, " " + field + "-error\""));
        CPPUNIT_ASSERT_MESSAGE(field + ": " + message,
                               contains(r.body, "<p class=\"error\" id=\"" + field + "-error\">" + message));
        CPPUNIT_ASSERT(contains(r.body, "Please correct the marked fields."));
        CPPUNIT_ASSERT(contains(r.body, "<title>Error: "));
    }

public:
    void get_shows_form_with_token_and_labels() {
        test::TestApp t(kBase, without_confirmation);
        auth::Response r = pages::register_account(test::get("/register"), *t.app);
        CPPUNIT_ASSERT_EQUAL(200, r.status);
        CPPUNIT_ASSERT_EQUAL(std::size_t(65), test::csrf_token_in(r.body).size());
        CPPUNIT_ASSERT(contains(r.body, "<form method=\"post\" action=\"/register\""));
        for (const char* field : {"name", "email", "password", "password_confirm"}) {
            std::string f = field;
            CPPUNIT_ASSERT_MESSAGE(f, contains(r.body, "<label for=\"" + f + "\">"));
            CPPUNIT_ASSERT_MESSAGE(f, contains(r.body, "id=\"" + f + "\" name=\"" + f + "\""));
        }
        CPPUNIT_ASSERT(contains(r.body, "name=\"password\" type=\"password\" autocomplete=\"new-password\""));
        CPPUNIT_ASSERT(contains(r.body, "name=\"password_confirm\" type=\"password\" autocomplete=\"new-password\""));
        CPPUNIT_ASSERT(contains(r.body, "autocomplete=\"email\""));
        CPPUNIT_ASSERT(contains(r.body, "At least 12 characters."));
        CPPUNIT_ASSERT(!contains(r.body, "autocomplete=\"off\""));
        CPPUNIT_ASSERT(!contains(r.body, "onpaste"));
        CPPUNIT_ASSERT(!contains(r.body, "class=\"error\""));
    }

    void get_sets_csrf_cookie() {
        test::TestApp t(kBase, without_confirmation);
        auth::Response r = pages::register_account(test::get("/register"), *t.app);
        CPPUNIT_ASSERT(test::sets_cookie(r, "csrf"));
        CPPUNIT_ASSERT(!test::sets_cookie(r, "sid"));
    }

    void post_without_token_is_403() {
        test::TestApp t(kBase, without_confirmation);
        auto f = good_form();
        f["csrf_token"] = "";
        auth::Response r = submit(t, f);
        CPPUNIT_ASSERT_EQUAL(403, r.status);
        CPPUNIT_ASSERT(contains(r.body, "This form has expired or was not sent from this site."));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), test::user_count(*t.app));
    }

    void post_with_wrong_token_is_403() {
        test::TestApp t(kBase, without_confirmation);
        Browser b(*t.app);
        b.get(pages::register_account, "/register");
        std::string token = b.last_csrf_token();
        // Same length, one character changed in the MAC.
        token.back() = token.back() == 'A' ? 'B' : 'A';
        for (const std::string& bad : {token, std::string("x"), std::string(65, 'A'), std::string(1000, 'A')}) {
            auto f = good_form();
            f["csrf_token"] = bad;
            CPPUNIT_ASSERT_EQUAL(403, b.post(pages::register_account, "/register", f).status);
        }
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), test::user_count(*t.app));
    }

    void post_with_token_of_other_browser_is_403() {
        test::TestApp t(kBase, without_confirmation);
        Browser attacker(*t.app), victim(*t.app);
        attacker.get(pages::register_account, "/register");
        victim.get(pages::register_account, "/register");
        auto f = good_form();
        f["csrf_token"] = attacker.last_csrf_token();
        CPPUNIT_ASSERT_EQUAL(403, victim.post(pages::register_account, "/register", f).status);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), test::user_count(*t.app));
    }

    void post_without_csrf_cookie_is_403() {
        test::TestApp t(kBase, without_confirmation);
        Browser b(*t.app);
        b.get(pages::register_account, "/register");
        auth::Request rq = test::post_from(b, "/register", good_form());
        rq.cookies.clear();
        auth::Response r = pages::register_account(rq, *t.app);
        CPPUNIT_ASSERT_EQUAL(403, r.status);
        CPPUNIT_ASSERT(contains(r.body, "did not send the cookie"));
        // A fresh cookie comes with the answer, so a reload can work.
        CPPUNIT_ASSERT(test::sets_cookie(r, "csrf"));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), test::user_count(*t.app));
    }

    void cross_site_fetch_is_403() {
        test::TestApp t(kBase, without_confirmation);
        Browser b(*t.app);
        b.get(pages::register_account, "/register");
        auth::Request rq = test::post_from(b, "/register", good_form());
        rq.sec_fetch_site = "cross-site";
        CPPUNIT_ASSERT_EQUAL(403, pages::register_account(rq, *t.app).status);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), test::user_count(*t.app));
    }

    void foreign_origin_is_403() {
        test::TestApp t(kBase, without_confirmation);
        Browser b(*t.app);
        b.get(pages::register_account, "/register");
        for (const char* origin : {"https://evil.example", "null", "http://127.0.0.1:8081", "https://127.0.0.1:8080",
                                   "http://127.0.0.1:8080.evil.example"}) {
            auth::Request rq = test::post_from(b, "/register", good_form());
            rq.origin = origin;
            CPPUNIT_ASSERT_EQUAL_MESSAGE(origin, 403, pages::register_account(rq, *t.app).status);
        }
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), test::user_count(*t.app));
    }

    void same_origin_headers_are_accepted() {
        test::TestApp t(kBase, without_confirmation);
        Browser b(*t.app);
        b.get(pages::register_account, "/register");
        auth::Request rq = test::post_from(b, "/register", good_form());
        rq.origin = "http://127.0.0.1:8080";
        rq.sec_fetch_site = "same-origin";
        CPPUNIT_ASSERT_EQUAL(303, pages::register_account(rq, *t.app).status);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), test::user_count(*t.app));
    }

    void success_redirects_to_login_with_flash() {
        test::TestApp t(kBase, without_confirmation);
        auth::Response r = submit(t, good_form());
        CPPUNIT_ASSERT_EQUAL(303, r.status);
        CPPUNIT_ASSERT_EQUAL(std::string("http://127.0.0.1:8080/login"), test::header_value(r, "Location"));
        CPPUNIT_ASSERT_EQUAL(std::string("account_created"), test::set_cookie_value(r, "flash"));
        std::string h = test::set_cookie_header(r, "flash");
        CPPUNIT_ASSERT(contains(h, "Max-Age=300"));
        CPPUNIT_ASSERT(contains(h, "HttpOnly"));
        // Registering does not log in.
        CPPUNIT_ASSERT(!test::sets_cookie(r, "sid"));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), test::session_rows(*t.app));
        CPPUNIT_ASSERT(r.body.empty());
    }

    void success_stores_argon2id_hash() {
        test::TestApp t(kBase, without_confirmation);
        CPPUNIT_ASSERT_EQUAL(303, submit(t, good_form()).status);
        auto user = t.app->store().users().find_by_email("ada@example.test");
        CPPUNIT_ASSERT(user);
        CPPUNIT_ASSERT_EQUAL(std::string("Ada Lovelace"), user->name);
        CPPUNIT_ASSERT_EQUAL(std::string("ada@example.test"), user->email);
        CPPUNIT_ASSERT_EQUAL(0, user->password_hash.compare(0, 19, "$argon2id$v=19$m=8,"));
        CPPUNIT_ASSERT(!contains(user->password_hash, test::kGoodPassword));
        CPPUNIT_ASSERT(t.app->hasher.verify(user->password_hash, test::kGoodPassword));
        CPPUNIT_ASSERT_EQUAL(t.clock->now(), user->created_at);
    }

    void success_then_login_works() {
        test::TestApp t(kBase, without_confirmation);
        Browser b(*t.app);
        b.get(pages::register_account, "/register");
        CPPUNIT_ASSERT_EQUAL(303, b.post(pages::register_account, "/register", good_form()).status);
        auth::Response page = b.get(pages::login, "/login");
        CPPUNIT_ASSERT(contains(page.body, "Account created. You can log in now."));
        auth::Response r = b.post(pages::login, "/login", {{"email", "ada@example.test"}, {"password", test::kGoodPassword}});
        CPPUNIT_ASSERT_EQUAL(303, r.status);
        CPPUNIT_ASSERT(test::sets_cookie(r, "sid"));
    }

    void email_domain_is_lowercased() {
        test::TestApp t(kBase, without_confirmation);
        CPPUNIT_ASSERT_EQUAL(303, submit(t, good_form("Ada.Lovelace@Example.TEST")).status);
        auto q = test::db(*t.app).query("SELECT email FROM users");
        CPPUNIT_ASSERT(q.step());
        CPPUNIT_ASSERT_EQUAL(std::string("Ada.Lovelace@example.test"), q.text(0));
    }

    void name_and_email_are_trimmed() {
        test::TestApp t(kBase, without_confirmation);
        CPPUNIT_ASSERT_EQUAL(303, submit(t, form("  Ada Lovelace \t", " ada@example.test  ", test::kGoodPassword,
                                                 test::kGoodPassword))
                                      .status);
        auto user = t.app->store().users().find_by_email("ada@example.test");
        CPPUNIT_ASSERT(user);
        CPPUNIT_ASSERT_EQUAL(std::string("Ada Lovelace"), user->name);
    }

    void invalid_email_is_422_next_to_field() {
        test::TestApp t(kBase, without_confirmation);
        for (const char* email : {"", "ada", "ada@", "@example.test", "ada@example", "ada@@example.test",
                                  "ada lovelace@example.test", "ada@exa_mple.test", "ada..x@example.test"}) {
            auth::Response r = submit(t, form("Ada Lovelace", email, test::kGoodPassword, test::kGoodPassword));
            CPPUNIT_ASSERT_EQUAL_MESSAGE(email, 422, r.status);
            assert_field_error(r, "email", "Enter an email address like name@example.com.");
            CPPUNIT_ASSERT(contains(r.body, "value=\"Ada Lovelace\""));
            CPPUNIT_ASSERT(!contains(r.body, test::kGoodPassword));
        }
        auth::Response r = submit(t, form("Ada Lovelace", "ada.example.test", test::kGoodPassword, test::kGoodPassword));
        CPPUNIT_ASSERT(contains(r.body, "value=\"ada.example.test\""));
        CPPUNIT_ASSERT(contains(r.body, "aria-invalid=\"true\" aria-describedby=\"email-error\""));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), test::user_count(*t.app));
    }

    void email_with_crlf_is_422() {
        test::TestApp t(kBase, without_confirmation);
        for (const std::string& email :
             {std::string("ada@example.test\r\nBcc: v@y.test"), std::string("ada\0@x.test", 11),
              std::string("ada@x.test\0", 11), std::string("ada@example.test%0d%0aBcc:v@y.test"),
              std::string("<ada@example.test>"), std::string("ada@example.test>\r\nRCPT TO:<v@y.test")}) {
            auth::Response r = submit(t, form("Ada Lovelace", email, test::kGoodPassword, test::kGoodPassword));
            CPPUNIT_ASSERT_EQUAL_MESSAGE(email, 422, r.status);
        }
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), test::user_count(*t.app));
        // A trailing newline is trimmed like other whitespace.
        CPPUNIT_ASSERT_EQUAL(303, submit(t, good_form("ada@example.test\r\n")).status);
    }

    void empty_name_is_422() {
        test::TestApp t(kBase, without_confirmation);
        for (const char* name : {"", "   ", "\t"}) {
            auth::Response r = submit(t, form(name, "ada@example.test", test::kGoodPassword, test::kGoodPassword));
            CPPUNIT_ASSERT_EQUAL(422, r.status);
            assert_field_error(r, "name", "Enter your full name.");
            CPPUNIT_ASSERT(contains(r.body, "value=\"ada@example.test\""));
            CPPUNIT_ASSERT(!contains(r.body, test::kGoodPassword));
        }
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), test::user_count(*t.app));
    }

    void short_password_is_422() {
        test::TestApp t(kBase, without_confirmation);
        const std::string pw = "tiger lily!";  // 11 characters
        auth::Response r = submit(t, form("Ada Lovelace", "ada@example.test", pw, pw));
        CPPUNIT_ASSERT_EQUAL(422, r.status);
        assert_field_error(r, "password", "Use at least 12 characters");
        CPPUNIT_ASSERT(contains(r.body, "aria-describedby=\"password-hint password-error\""));
        CPPUNIT_ASSERT(contains(r.body, "value=\"Ada Lovelace\""));
        CPPUNIT_ASSERT(contains(r.body, "value=\"ada@example.test\""));
        CPPUNIT_ASSERT(!contains(r.body, pw));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), test::user_count(*t.app));
    }

    void common_password_is_422() {
        test::TestApp t(kBase, without_confirmation);
        for (const char* pw : {"passwordpassword", "123456789012345", "qwertyuiopasdf", "aaaaaaaaaaaaaaa",
                               "password12345678", "sessionauth2024"}) {
            auth::Response r = submit(t, form("Ada Lovelace", "ada@example.test", pw, pw));
            CPPUNIT_ASSERT_EQUAL_MESSAGE(pw, 422, r.status);
            assert_field_error(r, "password", "This password is too common or too easy to guess");
            CPPUNIT_ASSERT_MESSAGE(pw, !contains(r.body, pw));
        }
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), test::user_count(*t.app));
    }

    void password_with_email_is_422() {
        test::TestApp t(kBase, without_confirmation);
        const std::string pw = "lovelace-secret-words";
        auth::Response r = submit(t, form("Ada Lovelace", "lovelace@example.test", pw, pw));
        CPPUNIT_ASSERT_EQUAL(422, r.status);
        assert_field_error(r, "password", "Don&#39;t use your email address or name in your password.");
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), test::user_count(*t.app));
    }

    void long_password_is_422() {
        test::TestApp t(kBase, without_confirmation);
        std::string pw;
        for (int i = 0; i < 129; ++i) pw += static_cast<char>('a' + (i * 7) % 26);
        auth::Response r = submit(t, form("Ada Lovelace", "ada@example.test", pw, pw));
        CPPUNIT_ASSERT_EQUAL(422, r.status);
        assert_field_error(r, "password", "Use at most 128 characters.");
        std::string ok = pw.substr(0, 128);
        CPPUNIT_ASSERT_EQUAL(303, submit(t, form("Ada Lovelace", "ada@example.test", ok, ok)).status);
    }

    void mismatched_confirm_is_422() {
        test::TestApp t(kBase, without_confirmation);
        auth::Response r =
            submit(t, form("Ada Lovelace", "ada@example.test", test::kGoodPassword, "correct horse battery stapler"));
        CPPUNIT_ASSERT_EQUAL(422, r.status);
        assert_field_error(r, "password_confirm", "The two passwords do not match.");
        CPPUNIT_ASSERT(contains(r.body, "value=\"Ada Lovelace\""));
        CPPUNIT_ASSERT(contains(r.body, "value=\"ada@example.test\""));
        CPPUNIT_ASSERT(!contains(r.body, "correct horse"));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), test::user_count(*t.app));
    }

    void several_errors_at_once() {
        test::TestApp t(kBase, without_confirmation);
        auth::Response r = submit(t, form("", "nope", "short", "short"));
        CPPUNIT_ASSERT_EQUAL(422, r.status);
        assert_field_error(r, "name", "Enter your full name.");
        assert_field_error(r, "email", "Enter an email address like name@example.com.");
        assert_field_error(r, "password", "Use at least 12 characters");
    }

    void taken_email_is_409_with_form_kept() {
        test::TestApp t(kBase, without_confirmation);
        test::make_user(*t.app, "ada@example.test", "another good passphrase", "First Ada");
        auth::Response r = submit(t, good_form());
        CPPUNIT_ASSERT_EQUAL(409, r.status);
        assert_field_error(r, "email", "An account with this email address already exists.");
        CPPUNIT_ASSERT(contains(r.body, "<a href=\"/login\">Log in</a></p>"));
        CPPUNIT_ASSERT(contains(r.body, "value=\"Ada Lovelace\""));
        CPPUNIT_ASSERT(contains(r.body, "value=\"ada@example.test\""));
        CPPUNIT_ASSERT(!contains(r.body, test::kGoodPassword));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), test::user_count(*t.app));
        auto user = t.app->store().users().find_by_email("ada@example.test");
        CPPUNIT_ASSERT_EQUAL(std::string("First Ada"), user->name);
        CPPUNIT_ASSERT(t.app->hasher.verify(user->password_hash, "another good passphrase"));
    }

    void taken_email_other_case_is_409() {
        test::TestApp t(kBase, without_confirmation);
        test::make_user(*t.app, "a@x.test", "another good passphrase", "First");
        for (const char* email : {"A@X.test", "A@x.test", "a@X.TEST"}) {
            auth::Response r = submit(t, good_form(email));
            CPPUNIT_ASSERT_EQUAL_MESSAGE(email, 409, r.status);
            CPPUNIT_ASSERT(contains(r.body, std::string("value=\"") + email + "\""));
        }
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), test::user_count(*t.app));
    }

    void xss_in_name_and_email_is_escaped() {
        test::TestApp t(kBase, without_confirmation);
        const std::string name = "<script>alert(1)</script>\"><svg onload=alert(2)>' autofocus onfocus='alert(3)";
        const std::string email = "\"><img src=x onerror=alert(4)>@x.test";
        auth::Response r = submit(t, form(name, email, test::kGoodPassword, test::kGoodPassword));
        CPPUNIT_ASSERT_EQUAL(422, r.status);  // the email is invalid
        CPPUNIT_ASSERT(!contains(r.body, "<script>alert"));
        CPPUNIT_ASSERT(!contains(r.body, "<svg"));
        CPPUNIT_ASSERT(!contains(r.body, "<img"));
        CPPUNIT_ASSERT(!contains(r.body, "' autofocus"));
        CPPUNIT_ASSERT(contains(r.body, "&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;&lt;svg onload=alert(2)&gt;"
                                        "&#39; autofocus onfocus=&#39;alert(3)"));
        CPPUNIT_ASSERT(contains(r.body, "&quot;&gt;&lt;img src=x onerror=alert(4)&gt;@x.test"));

        // A valid email with the same name: stored as typed, escaped on the way out.
        CPPUNIT_ASSERT_EQUAL(303, submit(t, form(name, "ada@example.test", test::kGoodPassword, test::kGoodPassword)).status);
        CPPUNIT_ASSERT_EQUAL(name, t.app->store().users().find_by_email("ada@example.test")->name);
        Browser b(*t.app);
        test::log_in(b, "ada@example.test", test::kGoodPassword);
        auth::Response profile = b.get(pages::profile, "/profile");
        CPPUNIT_ASSERT_EQUAL(200, profile.status);
        CPPUNIT_ASSERT(!contains(profile.body, "<script>alert"));
        CPPUNIT_ASSERT(!contains(profile.body, "<svg"));
    }

    void template_syntax_in_name_renders_literally() {
        test::TestApp t(kBase, without_confirmation);
        const std::string name = "{{BI_NEWLINE}}{{>CONTENT}}{{#LOGGED_IN}}x{{/LOGGED_IN}}";
        auth::Response r = submit(t, form(name, "ada@example.test", "short", "short"));
        CPPUNIT_ASSERT_EQUAL(422, r.status);
        CPPUNIT_ASSERT(contains(r.body, "value=\"" + test::replace_all(name, ">", "&gt;") + "\""));
    }

    void name_with_control_chars_is_422() {
        test::TestApp t(kBase, without_confirmation);
        for (const std::string& name : {std::string("Ada\x01Lovelace"), std::string("Ada\nLovelace"),
                                        std::string("Ada\x7f"), std::string("Ada\xc2\x85x"), std::string("Ada\xff"),
                                        std::string("Ada\0Lovelace", 12)}) {
            auth::Response r = submit(t, form(name, "ada@example.test", test::kGoodPassword, test::kGoodPassword));
            CPPUNIT_ASSERT_EQUAL(422, r.status);
            assert_field_error(r, "name", "The name contains characters that are not allowed");
        }
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), test::user_count(*t.app));
    }

    void name_with_bidi_override_is_422() {
        test::TestApp t(kBase, without_confirmation);
        auth::Response r = submit(t, form("Ada \xe2\x80\xae" "ecalevoL", "ada@example.test", test::kGoodPassword,
                                          test::kGoodPassword));
        CPPUNIT_ASSERT_EQUAL(422, r.status);
        assert_field_error(r, "name", "The name contains characters that are not allowed");
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), test::user_count(*t.app));
    }

    void name_over_100_chars_is_422() {
        test::TestApp t(kBase, without_confirmation);
        const std::string name(101, 'a');
        auth::Response r = submit(t, form(name, "ada@example.test", test::kGoodPassword, test::kGoodPassword));
        CPPUNIT_ASSERT_EQUAL(422, r.status);
        assert_field_error(r, "name", "Use at most 100 characters for your name.");
        CPPUNIT_ASSERT(contains(r.body, "value=\"" + name + "\""));
        std::string accents;
        for (int i = 0; i < 101; ++i) accents += "é";
        CPPUNIT_ASSERT_EQUAL(422, submit(t, form(accents, "ada@example.test", test::kGoodPassword, test::kGoodPassword)).status);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), test::user_count(*t.app));
    }

    void name_of_100_chars_is_accepted() {
        test::TestApp t(kBase, without_confirmation);
        std::string accents;
        for (int i = 0; i < 100; ++i) accents += "é";  // 200 bytes, 100 code points
        CPPUNIT_ASSERT_EQUAL(303, submit(t, form(accents, "ada@example.test", test::kGoodPassword, test::kGoodPassword)).status);
        CPPUNIT_ASSERT_EQUAL(accents, t.app->store().users().find_by_email("ada@example.test")->name);
    }

    void unicode_name_round_trips() {
        test::TestApp t(kBase, without_confirmation);
        const std::string name = "ねこ O'Hara 😀";
        CPPUNIT_ASSERT_EQUAL(303, submit(t, form(name, "neko@example.test", test::kGoodPassword, test::kGoodPassword)).status);
        CPPUNIT_ASSERT_EQUAL(name, t.app->store().users().find_by_email("neko@example.test")->name);
    }

    void fifteen_emoji_password_accepted() {
        test::TestApp t(kBase, [](auth::Config& c) {
            without_confirmation(c);
            c.password_min_length = 15;
        });
        CPPUNIT_ASSERT_EQUAL(std::size_t(60), kFifteenEmoji.size());
        auth::Response r = submit(t, form("Ada Lovelace", "ada@example.test", kFifteenEmoji, kFifteenEmoji));
        CPPUNIT_ASSERT_EQUAL(303, r.status);
        Browser b(*t.app);
        CPPUNIT_ASSERT_EQUAL(303, test::log_in(b, "ada@example.test", kFifteenEmoji).status);
    }

    void password_is_not_trimmed_or_normalised() {
        test::TestApp t(kBase, without_confirmation);
        const std::string pw = "  ünï cødé 🐎 pass phrase ";
        CPPUNIT_ASSERT_EQUAL(303, submit(t, form("Ada Lovelace", "ada@example.test", pw, pw)).status);
        Browser b(*t.app);
        CPPUNIT_ASSERT_EQUAL(401, test::log_in(b, "ada@example.test", "ünï cødé 🐎 pass phrase").status);
        CPPUNIT_ASSERT_EQUAL(303, test::log_in(b, "ada@example.test", pw).status);
    }

    void min_length_counts_code_points() {
        test::TestApp t(kBase, [](auth::Config& c) {
            without_confirmation(c);
            c.password_min_length = 15;
        });
        // 14 emoji are 56 bytes but only 14 characters.
        const std::string fourteen = kFifteenEmoji.substr(0, 56);
        auth::Response r = submit(t, form("Ada Lovelace", "ada@example.test", fourteen, fourteen));
        CPPUNIT_ASSERT_EQUAL(422, r.status);
        assert_field_error(r, "password", "Use at least 15 characters");
        CPPUNIT_ASSERT(contains(r.body, "minlength=\"15\""));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), test::user_count(*t.app));
    }

    void wrong_path_is_404() {
        test::TestApp t(kBase, without_confirmation);
        CPPUNIT_ASSERT_EQUAL(404, pages::register_account(test::get("/register/x"), *t.app).status);
        CPPUNIT_ASSERT_EQUAL(404, pages::register_account(test::post("/", good_form()), *t.app).status);
    }

    void put_is_405() {
        test::TestApp t(kBase, without_confirmation);
        auth::Request rq = test::post("/register", good_form());
        rq.method = "PUT";
        auth::Response r = pages::register_account(rq, *t.app);
        CPPUNIT_ASSERT_EQUAL(405, r.status);
        CPPUNIT_ASSERT_EQUAL(std::string("GET, HEAD, POST"), test::header_value(r, "Allow"));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), test::user_count(*t.app));
    }

    void query_string_is_not_a_form() {
        test::TestApp t(kBase, without_confirmation);
        Browser b(*t.app);
        b.get(pages::register_account, "/register");
        auto f = good_form();
        f["csrf_token"] = b.last_csrf_token();
        // A GET carrying every field creates nothing.
        auth::Response r = b.get(pages::register_account, "/register", f);
        CPPUNIT_ASSERT_EQUAL(200, r.status);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), test::user_count(*t.app));
        // A POST with the fields in the query string only is an empty form.
        auth::Request rq = test::post_from(b, "/register", {{"csrf_token", ""}});
        rq.query = f;
        CPPUNIT_ASSERT_EQUAL(403, pages::register_account(rq, *t.app).status);
        rq.form["csrf_token"] = b.last_csrf_token();
        CPPUNIT_ASSERT_EQUAL(422, pages::register_account(rq, *t.app).status);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), test::user_count(*t.app));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(RegisterPageTest);

}  // namespace
