// Tests for the two-step login pages: /profile/two-factor (set-up with the
// QR code and the key as text, the code that turns it on, the recovery
// codes shown once and downloaded, turning it off, new codes), the code
// step of /login (a pending login that is no session, bound to its
// browser, 401 for a wrong or replayed code, 429 with Retry-After after 5),
// and the code asked again on the profile, email and sessions forms.
#include <cppunit/extensions/HelperMacros.h>

#include <regex>

#include "core/totp.hh"
#include "pages/pages.hh"
#include "support.hh"

using test::Browser;
using test::contains;

namespace {

const std::string kEmail = "ada@example.test";
const std::string kNewPassword = "a brand new pass phrase for ada";

std::string first_match(const std::string& body, const std::string& pattern) {
    std::smatch m;
    std::regex re(pattern);
    return std::regex_search(body, m, re) ? std::string(m[1]) : std::string();
}

std::vector<std::string> recovery_codes_in(const std::string& body) {
    std::vector<std::string> codes;
    std::regex re("<li><code>([a-z2-7]{5}-[a-z2-7]{5})</code></li>");
    for (std::sregex_iterator it(body.begin(), body.end(), re), end; it != end; ++it) codes.push_back((*it)[1]);
    return codes;
}

// Ada, logged in, with two-step login turned on through the pages.
struct Ada : test::LoggedIn {
    std::string secret;
    std::vector<std::string> codes;
    std::string setup_page;

    explicit Ada(bool turn_on = true) : test::LoggedIn(kEmail) {
        if (turn_on) this->turn_on();
    }
    std::string code(std::int64_t steps = 0) { return auth::totp(secret, auth::totp_step(t.clock->now()) + steps); }
    auth::Response start(const std::string& password = test::kGoodPassword) {
        b.get(pages::profile, "/profile/two-factor");
        auth::Response r = b.post(pages::profile, "/profile/two-factor/start", {{"current_password", password}});
        if (r.status == 200) {
            setup_page = r.body;
            std::string text = first_match(r.body, "id=\"secret\">([A-Z2-7 ]+)<");
            secret = auth::base32_decode(text).value_or("");
        }
        return r;
    }
    void turn_on() {
        CPPUNIT_ASSERT_EQUAL(200, start().status);
        auth::Response on = b.post(pages::profile, "/profile/two-factor/confirm", {{"code", code()}});
        CPPUNIT_ASSERT_EQUAL(200, on.status);
        codes = recovery_codes_in(on.body);
        CPPUNIT_ASSERT_EQUAL(std::size_t(10), codes.size());
        t.clock->advance(30);
    }
    // A fresh browser through the password step; the answer to it.
    auth::Response password_step(Browser& other, const std::string& next = "") {
        return test::log_in(other, kEmail, test::kGoodPassword, next);
    }
};

}  // namespace

class TwoFactorPageTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(TwoFactorPageTest);
    CPPUNIT_TEST(profile_and_sessions_say_whether_it_is_on);
    CPPUNIT_TEST(setup_shows_qr_code_and_key_after_the_password);
    CPPUNIT_TEST(qr_code_is_an_svg_of_the_secret_being_set_up);
    CPPUNIT_TEST(wrong_code_leaves_it_off);
    CPPUNIT_TEST(recovery_codes_download_as_text);
    CPPUNIT_TEST(login_goes_through_the_code_step);
    CPPUNIT_TEST(pending_login_is_not_a_session);
    CPPUNIT_TEST(code_step_in_another_browser_starts_again);
    CPPUNIT_TEST(replayed_and_wrong_step_codes_are_refused);
    CPPUNIT_TEST(recovery_code_logs_in_once);
    CPPUNIT_TEST(too_many_wrong_codes_get_429);
    CPPUNIT_TEST(password_change_needs_a_code);
    CPPUNIT_TEST(email_change_needs_a_code);
    CPPUNIT_TEST(ending_sessions_needs_a_code);
    CPPUNIT_TEST(turning_off_needs_a_code);
    CPPUNIT_TEST(new_recovery_codes_need_a_code);
    CPPUNIT_TEST_SUITE_END();

public:
    void profile_and_sessions_say_whether_it_is_on() {
        Ada a(false);
        std::string off = a.b.get(pages::profile, "/profile").body;
        CPPUNIT_ASSERT(contains(off, "<strong>Off.</strong>"));
        CPPUNIT_ASSERT(!contains(off, "name=\"code\""));  // no code asked while off
        CPPUNIT_ASSERT(contains(a.b.get(pages::profile, "/profile/sessions").body, "<strong>off</strong>"));
        // The pages that ask for a code when it is on: none asked yet.
        CPPUNIT_ASSERT(!contains(a.b.get(pages::profile, "/profile/delete").body, "id=\"code\""));
        CPPUNIT_ASSERT(!contains(a.b.get(pages::passkey, "/profile/passkeys").body, "id=\"code\""));
        a.turn_on();
        std::string on = a.b.get(pages::profile, "/profile").body;
        CPPUNIT_ASSERT(contains(on, "<strong>On.</strong>"));
        CPPUNIT_ASSERT(contains(on, "id=\"password_code\""));
        CPPUNIT_ASSERT(contains(on, "id=\"email_code\""));
        CPPUNIT_ASSERT(contains(a.b.get(pages::profile, "/profile/sessions").body, "<strong>on</strong>"));
        CPPUNIT_ASSERT(contains(a.b.get(pages::profile, "/profile/delete").body, "id=\"code\""));
        CPPUNIT_ASSERT(contains(a.b.get(pages::passkey, "/profile/passkeys").body, "id=\"code\""));
        CPPUNIT_ASSERT(contains(a.b.get(pages::profile, "/profile/two-factor").body, "10 recovery codes"));
    }

    void setup_shows_qr_code_and_key_after_the_password() {
        Ada a(false);
        CPPUNIT_ASSERT_EQUAL(403, a.start("not the password at all").status);
        CPPUNIT_ASSERT_EQUAL(422, a.start("").status);
        auth::Response r = a.start();
        CPPUNIT_ASSERT_EQUAL(200, r.status);
        CPPUNIT_ASSERT_EQUAL(std::size_t(20), a.secret.size());
        CPPUNIT_ASSERT(contains(r.body, "src=\"/profile/two-factor/qr.svg\""));
        CPPUNIT_ASSERT(contains(r.body, "alt=\"QR code"));
        CPPUNIT_ASSERT(!std::regex_search(r.body, std::regex("<script(?![^>]*src=)")));  // no inline script
        CPPUNIT_ASSERT(!contains(r.body, "style="));
        // Not logged in: the set-up is not reachable.
        Browser stranger(*a.t.app);
        CPPUNIT_ASSERT_EQUAL(303, stranger.get(pages::profile, "/profile/two-factor").status);
        CPPUNIT_ASSERT_EQUAL(303, stranger.get(pages::profile, "/profile/two-factor/qr.svg").status);
    }

    void qr_code_is_an_svg_of_the_secret_being_set_up() {
        Ada a(false);
        CPPUNIT_ASSERT_EQUAL(404, a.b.get(pages::profile, "/profile/two-factor/qr.svg").status);  // nothing set up
        a.start();
        auth::Response r = a.b.get(pages::profile, "/profile/two-factor/qr.svg");
        CPPUNIT_ASSERT_EQUAL(200, r.status);
        CPPUNIT_ASSERT_EQUAL(std::string("image/svg+xml"), test::header_value(r, "Content-Type"));
        CPPUNIT_ASSERT(r.body.starts_with("<?xml"));
        CPPUNIT_ASSERT(contains(r.body, "<svg xmlns=\"http://www.w3.org/2000/svg\""));
        CPPUNIT_ASSERT(contains(r.body, "<path fill=\"#000\" d=\"M"));
        CPPUNIT_ASSERT(!contains(r.body, "<script"));
        CPPUNIT_ASSERT(!contains(r.body, "style"));
        // A new set-up, a new secret and another picture.
        a.start();
        CPPUNIT_ASSERT(a.b.get(pages::profile, "/profile/two-factor/qr.svg").body != r.body);
        // Once on, the picture is gone (the secret is never shown again).
        a.b.post(pages::profile, "/profile/two-factor/confirm", {{"code", a.code()}});
        CPPUNIT_ASSERT_EQUAL(404, a.b.get(pages::profile, "/profile/two-factor/qr.svg").status);
    }

    void wrong_code_leaves_it_off() {
        Ada a(false);
        a.start();
        auth::Response missing = a.b.post(pages::profile, "/profile/two-factor/confirm", {{"code", ""}});
        CPPUNIT_ASSERT_EQUAL(422, missing.status);
        auth::Response wrong = a.b.post(pages::profile, "/profile/two-factor/confirm", {{"code", a.code(3)}});
        CPPUNIT_ASSERT_EQUAL(403, wrong.status);
        CPPUNIT_ASSERT(contains(wrong.body, "id=\"code-error\""));
        CPPUNIT_ASSERT(contains(wrong.body, "id=\"secret\""));  // the set-up page again, same key
        CPPUNIT_ASSERT(!a.t.app->accounts.two_factor_on(a.id));
        CPPUNIT_ASSERT_EQUAL(200, a.b.post(pages::profile, "/profile/two-factor/confirm", {{"code", a.code()}}).status);
        CPPUNIT_ASSERT(a.t.app->accounts.two_factor_on(a.id));
    }

    void recovery_codes_download_as_text() {
        Ada a;
        std::string all;
        for (const auto& c : a.codes) all += (all.empty() ? "" : " ") + c;
        a.b.get(pages::profile, "/profile/two-factor");
        auth::Response r = a.b.post(pages::profile, "/profile/two-factor/recovery-codes.txt", {{"codes", all}});
        CPPUNIT_ASSERT_EQUAL(200, r.status);
        CPPUNIT_ASSERT_EQUAL(std::string("text/plain; charset=utf-8"), test::header_value(r, "Content-Type"));
        CPPUNIT_ASSERT(contains(test::header_value(r, "Content-Disposition"), "attachment"));
        for (const auto& c : a.codes) CPPUNIT_ASSERT(contains(r.body, c + "\n"));
        CPPUNIT_ASSERT(contains(r.body, kEmail));
        CPPUNIT_ASSERT_EQUAL(400, a.b.post(pages::profile, "/profile/two-factor/recovery-codes.txt",
                                           {{"codes", "<script>alert(1)</script>"}})
                                      .status);
        CPPUNIT_ASSERT_EQUAL(400, a.b.post(pages::profile, "/profile/two-factor/recovery-codes.txt", {{"codes", ""}}).status);
    }

    void login_goes_through_the_code_step() {
        Ada a;
        Browser other(*a.t.app);
        auth::Response pw = a.password_step(other, "/profile/sessions");
        CPPUNIT_ASSERT_EQUAL(303, pw.status);
        CPPUNIT_ASSERT(contains(test::header_value(pw, "Location"), "/login/code?next=/profile/sessions"));
        CPPUNIT_ASSERT(!test::sets_cookie(pw, "sid"));
        std::string mfa = test::set_cookie_header(pw, "mfa");
        CPPUNIT_ASSERT(contains(mfa, "HttpOnly"));
        CPPUNIT_ASSERT(contains(mfa, "Max-Age=300"));
        auth::Response form = other.get(pages::login, "/login/code", {{"next", "/profile/sessions"}});
        CPPUNIT_ASSERT_EQUAL(200, form.status);
        CPPUNIT_ASSERT(contains(form.body, "autocomplete=\"one-time-code\""));
        CPPUNIT_ASSERT(contains(form.body, "value=\"/profile/sessions\""));
        auth::Response missing = other.post(pages::login, "/login/code", {{"code", ""}, {"next", "/profile/sessions"}});
        CPPUNIT_ASSERT_EQUAL(422, missing.status);
        auth::Response done = other.post(pages::login, "/login/code", {{"code", a.code()}, {"next", "/profile/sessions"}});
        CPPUNIT_ASSERT_EQUAL(303, done.status);
        CPPUNIT_ASSERT(contains(test::header_value(done, "Location"), "/profile/sessions"));
        CPPUNIT_ASSERT(test::sets_cookie(done, "sid"));
        CPPUNIT_ASSERT(test::sets_cookie(done, "csrf"));  // a new browser secret
        CPPUNIT_ASSERT(contains(test::set_cookie_header(done, "mfa"), "Max-Age=0"));
        CPPUNIT_ASSERT_EQUAL(200, other.get(pages::profile, "/profile").status);
        // The pending login is spent: the step cannot be done again.
        CPPUNIT_ASSERT_EQUAL(303, other.get(pages::login, "/login/code").status);
    }

    void pending_login_is_not_a_session() {
        Ada a;
        Browser other(*a.t.app);
        auth::Response pw = a.password_step(other);
        std::string pending = test::set_cookie_value(pw, "mfa");
        CPPUNIT_ASSERT(!pending.empty());
        // Every page that needs a session sends this browser to the login.
        for (const char* path : {"/profile", "/profile/sessions", "/profile/two-factor"}) {
            auth::Response r = other.get(pages::profile, path);
            CPPUNIT_ASSERT_EQUAL(303, r.status);
            CPPUNIT_ASSERT(contains(test::header_value(r, "Location"), "/login?next="));
        }
        // The pending token put in the session cookie opens nothing either.
        Browser forger(*a.t.app);
        forger.cookies()["sid"] = pending;
        CPPUNIT_ASSERT_EQUAL(303, forger.get(pages::profile, "/profile").status);
        CPPUNIT_ASSERT(!a.t.app->accounts.identify(pending));
    }

    void code_step_in_another_browser_starts_again() {
        Ada a;
        Browser other(*a.t.app);
        std::string pending = test::set_cookie_value(a.password_step(other), "mfa");
        Browser thief(*a.t.app);
        thief.get(pages::login, "/login");  // a browser secret of its own
        thief.cookies()["mfa"] = pending;
        auth::Response r = thief.post(pages::login, "/login/code", {{"code", a.code()}});
        CPPUNIT_ASSERT_EQUAL(303, r.status);
        CPPUNIT_ASSERT(contains(test::header_value(r, "Location"), "/login"));
        CPPUNIT_ASSERT(!test::sets_cookie(r, "sid"));
        // Expired: 5 minutes later the owner's browser starts again too.
        a.t.clock->advance(300);
        auth::Response late = other.post(pages::login, "/login/code", {{"code", a.code()}});
        CPPUNIT_ASSERT_EQUAL(303, late.status);
        CPPUNIT_ASSERT(!test::sets_cookie(late, "sid"));
    }

    void replayed_and_wrong_step_codes_are_refused() {
        Ada a;
        Browser first(*a.t.app), second(*a.t.app);
        a.password_step(first);
        first.get(pages::login, "/login/code");
        std::string c = a.code();
        CPPUNIT_ASSERT_EQUAL(303, first.post(pages::login, "/login/code", {{"code", c}}).status);
        a.password_step(second);
        second.get(pages::login, "/login/code");
        auth::Response replay = second.post(pages::login, "/login/code", {{"code", c}});
        CPPUNIT_ASSERT_EQUAL(401, replay.status);
        CPPUNIT_ASSERT(contains(replay.body, "used already"));
        CPPUNIT_ASSERT_EQUAL(401, second.post(pages::login, "/login/code", {{"code", a.code(-3)}}).status);
        CPPUNIT_ASSERT_EQUAL(401, second.post(pages::login, "/login/code", {{"code", a.code(2)}}).status);
        CPPUNIT_ASSERT_EQUAL(303, second.post(pages::login, "/login/code", {{"code", a.code(1)}}).status);
    }

    void recovery_code_logs_in_once() {
        Ada a;
        Browser other(*a.t.app);
        a.password_step(other);
        other.get(pages::login, "/login/code");
        auth::Response r = other.post(pages::login, "/login/code", {{"code", a.codes[4]}});
        CPPUNIT_ASSERT_EQUAL(303, r.status);
        CPPUNIT_ASSERT_EQUAL(std::string("logged_in_recovery_code"), test::set_cookie_value(r, "flash"));
        Browser again(*a.t.app);
        a.password_step(again);
        again.get(pages::login, "/login/code");
        CPPUNIT_ASSERT_EQUAL(401, again.post(pages::login, "/login/code", {{"code", a.codes[4]}}).status);
        a.t.deliver();
        bool noticed = false;
        for (const auto& m : a.t.mailer->sent)
            noticed = noticed || contains(test::mail_decoded(m.message), "9 recovery codes are left");
        CPPUNIT_ASSERT(noticed);
    }

    void too_many_wrong_codes_get_429() {
        Ada a;
        Browser other(*a.t.app);
        a.password_step(other);
        other.get(pages::login, "/login/code");
        std::string wrong = a.code() == "111111" ? "222222" : "111111";
        for (int i = 0; i < 5; ++i) CPPUNIT_ASSERT_EQUAL(401, other.post(pages::login, "/login/code", {{"code", wrong}}).status);
        auth::Response r = other.post(pages::login, "/login/code", {{"code", a.code()}});
        CPPUNIT_ASSERT_EQUAL(429, r.status);
        std::int64_t wait = std::stoll(test::header_value(r, "Retry-After"));
        CPPUNIT_ASSERT(wait > 0 && wait <= 900);
        CPPUNIT_ASSERT(contains(r.body, "Too many wrong codes"));
        CPPUNIT_ASSERT(!test::sets_cookie(r, "sid"));
        // The profile's step-up is throttled alike (per account, not per form).
        a.b.get(pages::profile, "/profile");
        auth::Response step_up = a.b.post(pages::profile, "/profile/password",
                                          {{"current_password", test::kGoodPassword}, {"code", a.code()},
                                           {"new_password", kNewPassword}, {"new_password_confirm", kNewPassword}});
        CPPUNIT_ASSERT_EQUAL(429, step_up.status);
        CPPUNIT_ASSERT(test::header_value(step_up, "Retry-After") != "");
    }

    void password_change_needs_a_code() {
        Ada a;
        a.b.get(pages::profile, "/profile");
        std::map<std::string, std::string> form = {{"current_password", test::kGoodPassword},
                                                   {"new_password", kNewPassword},
                                                   {"new_password_confirm", kNewPassword}};
        auth::Response none = a.b.post(pages::profile, "/profile/password", form);
        CPPUNIT_ASSERT_EQUAL(422, none.status);
        CPPUNIT_ASSERT(contains(none.body, "id=\"password_code-error\""));
        form["code"] = a.code(5);
        CPPUNIT_ASSERT_EQUAL(403, a.b.post(pages::profile, "/profile/password", form).status);
        CPPUNIT_ASSERT(a.t.app->hasher.verify(a.user().password_hash, test::kGoodPassword));
        form["code"] = a.code();
        CPPUNIT_ASSERT_EQUAL(303, a.b.post(pages::profile, "/profile/password", form).status);
        CPPUNIT_ASSERT(a.t.app->hasher.verify(a.user().password_hash, kNewPassword));
        CPPUNIT_ASSERT(a.t.app->accounts.two_factor_on(a.id));
    }

    void email_change_needs_a_code() {
        Ada a;
        a.b.get(pages::profile, "/profile");
        std::map<std::string, std::string> form = {{"new_email", "ada.new@example.test"},
                                                   {"current_password", test::kGoodPassword}};
        auth::Response none = a.b.post(pages::profile, "/profile/email", form);
        CPPUNIT_ASSERT_EQUAL(422, none.status);
        CPPUNIT_ASSERT(contains(none.body, "id=\"email_code-error\""));
        CPPUNIT_ASSERT(!a.t.app->accounts.pending_email_change(a.id));
        form["code"] = a.code();
        CPPUNIT_ASSERT_EQUAL(303, a.b.post(pages::profile, "/profile/email", form).status);
        CPPUNIT_ASSERT(a.t.app->accounts.pending_email_change(a.id));
    }

    void ending_sessions_needs_a_code() {
        Ada a;
        Browser other(*a.t.app);
        other.cookies()[a.t.app->cookie_name("sid")] = a.t.app->store().sessions().create(a.id, "198.51.100.9", "curl");
        a.b.get(pages::profile, "/profile/sessions");
        auth::Response none =
            a.b.post(pages::profile, "/profile/sessions/revoke-others", {{"current_password", test::kGoodPassword}});
        CPPUNIT_ASSERT_EQUAL(422, none.status);
        CPPUNIT_ASSERT(contains(none.body, "id=\"code-error\""));
        CPPUNIT_ASSERT_EQUAL(200, other.get(pages::profile, "/profile").status);
        std::string row = first_match(none.body, "name=\"session\" value=\"([^\"]+)\"");
        CPPUNIT_ASSERT_EQUAL(422, a.b.post(pages::profile, "/profile/sessions/revoke",
                                           {{"session", row}, {"current_password", test::kGoodPassword}})
                                      .status);
        CPPUNIT_ASSERT_EQUAL(200, other.get(pages::profile, "/profile").status);
        CPPUNIT_ASSERT_EQUAL(303, a.b.post(pages::profile, "/profile/sessions/revoke-others",
                                           {{"current_password", test::kGoodPassword}, {"code", a.code()}})
                                      .status);
        CPPUNIT_ASSERT_EQUAL(303, other.get(pages::profile, "/profile").status);
    }

    void turning_off_needs_a_code() {
        Ada a;
        a.b.get(pages::profile, "/profile/two-factor");
        auth::Response none = a.b.post(pages::profile, "/profile/two-factor/off", {{"current_password", test::kGoodPassword}});
        CPPUNIT_ASSERT_EQUAL(422, none.status);
        CPPUNIT_ASSERT(contains(none.body, "id=\"off_code-error\""));
        auth::Response wrong_pw = a.b.post(pages::profile, "/profile/two-factor/off",
                                           {{"current_password", "not the password at all"}, {"code", a.code()}});
        CPPUNIT_ASSERT_EQUAL(403, wrong_pw.status);
        CPPUNIT_ASSERT(contains(wrong_pw.body, "id=\"off_password-error\""));
        CPPUNIT_ASSERT(a.t.app->accounts.two_factor_on(a.id));
        auth::Response off = a.b.post(pages::profile, "/profile/two-factor/off",
                                      {{"current_password", test::kGoodPassword}, {"code", a.code()}});
        CPPUNIT_ASSERT_EQUAL(303, off.status);
        CPPUNIT_ASSERT_EQUAL(std::string("two_factor_off"), test::set_cookie_value(off, "flash"));
        CPPUNIT_ASSERT(!a.t.app->accounts.two_factor_on(a.id));
        Browser other(*a.t.app);
        auth::Response login = test::log_in(other, kEmail, test::kGoodPassword);
        CPPUNIT_ASSERT(test::sets_cookie(login, "sid"));  // the password alone again
    }

    void new_recovery_codes_need_a_code() {
        Ada a;
        a.b.get(pages::profile, "/profile/two-factor");
        auth::Response none =
            a.b.post(pages::profile, "/profile/two-factor/recovery-codes", {{"current_password", test::kGoodPassword}});
        CPPUNIT_ASSERT_EQUAL(422, none.status);
        CPPUNIT_ASSERT(contains(none.body, "id=\"codes_code-error\""));
        auth::Response made = a.b.post(pages::profile, "/profile/two-factor/recovery-codes",
                                       {{"current_password", test::kGoodPassword}, {"code", a.code()}});
        CPPUNIT_ASSERT_EQUAL(200, made.status);
        std::vector<std::string> fresh = recovery_codes_in(made.body);
        CPPUNIT_ASSERT_EQUAL(std::size_t(10), fresh.size());
        CPPUNIT_ASSERT(fresh != a.codes);
        CPPUNIT_ASSERT(contains(made.body, "no longer work"));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(TwoFactorPageTest);
