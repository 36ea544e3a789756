// Tests for sign-up confirmed by mail (the default): POST /register answers
// the same for a new and a taken address, a new address gets a link and a
// taken one a note to its owner; GET /register/confirm shows a button and
// only its POST makes the account and logs it in; a page per kind of bad
// link; "confirm first" at login after the right password only; the link
// sent again; the limits per client address and per address.
#include <cppunit/extensions/HelperMacros.h>

#include "pages/pages.hh"
#include "support.hh"

using test::Browser;
using test::contains;

namespace {

const char* const kEmail = "ada@example.test";
const char* const kName = "Ada Lovelace";
const char* const kOtherPassword = "violet kettle under the moon";

std::map<std::string, std::string> signup_form(const std::string& email, const std::string& password = test::kGoodPassword,
                                               const std::string& name = kName) {
    return {{"name", name}, {"email", email}, {"password", password}, {"password_confirm", password}};
}

// GET /register in `b`, then POST the form.
auth::Response sign_up(Browser& b, const std::string& email, const std::string& password = test::kGoodPassword,
                       const std::string& name = kName) {
    b.get(pages::register_account, "/register");
    return b.post(pages::register_account, "/register", signup_form(email, password, name));
}

// The token of the last sign-up link mailed to `to` ("" if none); delivers first.
std::string link_token(test::TestApp& t, const std::string& to) {
    t.deliver();
    const std::string prefix = t.app->config().url("/register/confirm?token=");
    for (auto it = t.mailer->sent.rbegin(); it != t.mailer->sent.rend(); ++it) {
        std::string token = it->to == to ? test::token_after(it->message, prefix) : "";
        if (!token.empty()) return token;
    }
    return "";
}

auth::Response open_link(Browser& b, const std::string& token) {
    b.get(pages::register_account, "/register");  // a CSRF token even when the link is bad
    return b.get(pages::register_account, "/register/confirm", {{"token", token}});
}

auth::Response confirm(Browser& b, const std::string& token, const std::string& password = test::kGoodPassword) {
    open_link(b, token);
    return b.post(pages::register_account, "/register/confirm", {{"token", token}, {"password", password}});
}

// A POST from another client address than the tests' 127.0.0.1.
auth::Response post_from_address(Browser& b, const std::string& path, const std::map<std::string, std::string>& form,
                                 const std::string& ip) {
    auth::Request r = test::post_from(b, path, form);
    r.remote_addr = ip;
    return pages::register_account(r, b.app());
}

class SignupPageTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(SignupPageTest);
    CPPUNIT_TEST(new_address_gets_check_your_inbox_and_no_account_yet);
    CPPUNIT_TEST(new_and_taken_addresses_get_the_same_answer);
    CPPUNIT_TEST(taken_address_leaves_the_account_alone_and_tells_its_owner);
    CPPUNIT_TEST(form_errors_still_show_on_the_form);
    CPPUNIT_TEST(opening_the_link_makes_nothing);
    CPPUNIT_TEST(confirm_post_makes_the_account_and_logs_it_in);
    CPPUNIT_TEST(link_works_once);
    CPPUNIT_TEST(bad_links_have_own_status_and_message);
    CPPUNIT_TEST(expired_link);
    CPPUNIT_TEST(second_registration_replaces_the_first);
    CPPUNIT_TEST(two_people_one_address_only_the_mailbox_decides);
    CPPUNIT_TEST(account_made_meanwhile_is_409_and_nothing_changes);
    CPPUNIT_TEST(confirm_without_csrf_is_403_and_makes_nothing);
    CPPUNIT_TEST(login_before_confirming_says_so_after_the_right_password_only);
    CPPUNIT_TEST(resend_sends_a_new_link_and_voids_the_old);
    CPPUNIT_TEST(resend_for_an_address_without_registration_answers_the_same);
    CPPUNIT_TEST(fourth_signup_mail_to_an_address_in_an_hour_is_429_known_or_not);
    CPPUNIT_TEST(refused_requests_do_not_lengthen_the_wait);
    CPPUNIT_TEST(resends_count_toward_the_client_address_limit);
    CPPUNIT_TEST(a_link_sent_again_ends_when_the_first_would_have);
    CPPUNIT_TEST(confirm_needs_the_password_chosen_at_sign_up);
    CPPUNIT_TEST(a_link_someone_else_asked_for_makes_no_account_for_them);
    CPPUNIT_TEST(registering_then_logging_in_tells_nothing_about_the_account);
    CPPUNIT_TEST(registrations_from_one_client_address_are_limited);
    CPPUNIT_TEST(unconfirmed_registrations_are_purged_by_housekeeping);
    CPPUNIT_TEST(without_confirmation_the_account_is_made_at_once);
    CPPUNIT_TEST_SUITE_END();

public:
    void new_address_gets_check_your_inbox_and_no_account_yet() {
        test::TestApp t;
        Browser b(*t.app);
        auth::Response r = sign_up(b, kEmail);
        CPPUNIT_ASSERT_EQUAL(200, r.status);
        CPPUNIT_ASSERT(contains(r.body, "Check your inbox"));
        CPPUNIT_ASSERT(contains(r.body, std::string("We sent a link to <strong>") + kEmail));
        CPPUNIT_ASSERT(r.deliver_mail);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), test::user_count(*t.app));
        CPPUNIT_ASSERT(!test::sets_cookie(r, t.app->cookie_name("sid")));
        std::string token = link_token(t, kEmail);
        CPPUNIT_ASSERT_EQUAL(std::size_t(43), token.size());
        CPPUNIT_ASSERT(contains(t.mailer->sent.back().message, "Subject: Confirm your email address"));
        CPPUNIT_ASSERT(contains(t.mailer->sent.back().message, "text/html"));
    }

    void new_and_taken_addresses_get_the_same_answer() {
        test::TestApp t;
        const std::string taken = "taken@example.test";
        test::make_user(*t.app, taken, test::kGoodPassword, "Owner");
        for (bool second_visit : {false, true}) {
            Browser b1(*t.app), b2(*t.app);
            if (second_visit) {  // browsers that already have their cookies
                b1.get(pages::register_account, "/register");
                b2.get(pages::register_account, "/register");
            }
            std::string fresh = second_visit ? "new2@example.test" : "new@example.test";
            auth::Response a = sign_up(b1, fresh, kOtherPassword);
            auth::Response b = sign_up(b2, taken, kOtherPassword);
            CPPUNIT_ASSERT_EQUAL(200, a.status);
            CPPUNIT_ASSERT_EQUAL(a.status, b.status);
            CPPUNIT_ASSERT(test::cookie_names(a) == test::cookie_names(b));
            CPPUNIT_ASSERT(test::comparable_headers(a) == test::comparable_headers(b));
            CPPUNIT_ASSERT_EQUAL(test::without_csrf_token(test::replace_all(a.body, fresh, "EMAIL")),
                                 test::without_csrf_token(test::replace_all(b.body, taken, "EMAIL")));
            CPPUNIT_ASSERT_EQUAL(a.deliver_mail, b.deliver_mail);
        }
        // One mail queued for each, the same kind of work.
        CPPUNIT_ASSERT_EQUAL(std::int64_t(4), test::queued_mails(*t.app));
    }

    void taken_address_leaves_the_account_alone_and_tells_its_owner() {
        test::TestApp t;
        auto uid = test::make_user(*t.app, kEmail, test::kGoodPassword, kName);
        auth::User before = *t.app->store().users().find_by_id(uid);
        Browser b(*t.app);
        CPPUNIT_ASSERT_EQUAL(200, sign_up(b, "ADA@example.test", kOtherPassword, "Mallory").status);
        auth::User after = *t.app->store().users().find_by_id(uid);
        CPPUNIT_ASSERT_EQUAL(before.password_hash, after.password_hash);
        CPPUNIT_ASSERT_EQUAL(before.name, after.name);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), test::user_count(*t.app));
        CPPUNIT_ASSERT(link_token(t, kEmail).empty());  // no sign-up link
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), t.mailer->sent.size());
        std::string text = test::mail_decoded(t.mailer->sent[0].message);
        CPPUNIT_ASSERT_EQUAL(std::string(kEmail), t.mailer->sent[0].to);
        CPPUNIT_ASSERT(contains(t.mailer->sent[0].message, "Subject: Someone tried to create an account with your address"));
        CPPUNIT_ASSERT(contains(text, "someone tried to create an account with this address"));
        CPPUNIT_ASSERT(contains(text, "Hello Ada Lovelace"));  // the owner's name, not the one typed
        CPPUNIT_ASSERT(!contains(text, "Mallory"));
        CPPUNIT_ASSERT(contains(text, t.app->config().url("/login")));
        CPPUNIT_ASSERT(contains(text, t.app->config().url("/reset")));
        // Logging in with the password typed at the registration opens
        // nothing: it answers as it would for a new address.
        Browser other(*t.app);
        auth::Response r = test::log_in(other, kEmail, kOtherPassword);
        CPPUNIT_ASSERT_EQUAL(403, r.status);
        CPPUNIT_ASSERT(!test::sets_cookie(r, t.app->cookie_name("sid")));
    }

    void form_errors_still_show_on_the_form() {
        test::TestApp t;
        test::make_user(*t.app, kEmail, test::kGoodPassword, kName);
        Browser b(*t.app);
        b.get(pages::register_account, "/register");
        auth::Response r = b.post(pages::register_account, "/register",
                                  {{"name", kName}, {"email", "not-an-address"}, {"password", "short"}, {"password_confirm", "short"}});
        CPPUNIT_ASSERT_EQUAL(422, r.status);
        CPPUNIT_ASSERT(contains(r.body, "Enter an email address like name@example.com."));
        r = b.post(pages::register_account, "/register",
                   {{"name", kName}, {"email", kEmail}, {"password", kOtherPassword}, {"password_confirm", "different"}});
        CPPUNIT_ASSERT_EQUAL(422, r.status);
        CPPUNIT_ASSERT(contains(r.body, "The two passwords do not match."));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), test::queued_mails(*t.app));
    }

    void opening_the_link_makes_nothing() {
        test::TestApp t;
        Browser b(*t.app);
        sign_up(b, kEmail);
        std::string token = link_token(t, kEmail);
        Browser scanner(*t.app);
        for (int i = 0; i < 3; ++i) {
            auth::Response r = scanner.get(pages::register_account, "/register/confirm", {{"token", token}});
            CPPUNIT_ASSERT_EQUAL(200, r.status);
            CPPUNIT_ASSERT(contains(r.body, "Create my account"));
            CPPUNIT_ASSERT(contains(r.body, kEmail));
            CPPUNIT_ASSERT_EQUAL(std::string("no-referrer"), test::header_value(r, "Referrer-Policy"));
        }
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), test::user_count(*t.app));
    }

    void confirm_post_makes_the_account_and_logs_it_in() {
        test::TestApp t;
        Browser b(*t.app);
        sign_up(b, kEmail);
        std::string token = link_token(t, kEmail);
        Browser mailbox(*t.app);  // the link opened in another browser
        auth::Response r = confirm(mailbox, token);
        CPPUNIT_ASSERT_EQUAL(303, r.status);
        CPPUNIT_ASSERT_EQUAL(t.app->config().url("/profile"), test::header_value(r, "Location"));
        CPPUNIT_ASSERT(!test::set_cookie_value(r, t.app->cookie_name("sid")).empty());
        auto user = t.app->store().users().find_by_email(kEmail);
        CPPUNIT_ASSERT(user);
        CPPUNIT_ASSERT_EQUAL(std::string(kName), user->name);
        CPPUNIT_ASSERT(t.app->hasher.verify(user->password_hash, test::kGoodPassword));
        auto q = test::db(*t.app).query("SELECT confirmed_at FROM users");
        CPPUNIT_ASSERT(q.step());
        CPPUNIT_ASSERT_EQUAL(t.clock->now(), q.int64(0));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), test::session_count(*t.app, user->id));
        auth::Response profile = mailbox.get(pages::profile, "/profile");
        CPPUNIT_ASSERT_EQUAL(200, profile.status);
        CPPUNIT_ASSERT(contains(profile.body, "Your email address is confirmed and your account is ready."));
        // And the password works.
        Browser later(*t.app);
        CPPUNIT_ASSERT_EQUAL(303, test::log_in(later, kEmail, test::kGoodPassword).status);
    }

    void link_works_once() {
        test::TestApp t;
        Browser b(*t.app);
        sign_up(b, kEmail);
        std::string token = link_token(t, kEmail);
        CPPUNIT_ASSERT_EQUAL(303, confirm(b, token).status);
        Browser again(*t.app);
        auth::Response r = confirm(again, token);
        CPPUNIT_ASSERT_EQUAL(410, r.status);
        CPPUNIT_ASSERT(contains(r.body, "This sign-up link has already been used."));
        CPPUNIT_ASSERT_EQUAL(410, open_link(again, token).status);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), test::user_count(*t.app));
    }

    void bad_links_have_own_status_and_message() {
        test::TestApp t;
        Browser b(*t.app);
        auth::Response r = open_link(b, "tooshort");
        CPPUNIT_ASSERT_EQUAL(400, r.status);
        CPPUNIT_ASSERT(contains(r.body, "This sign-up link is incomplete or damaged."));
        r = open_link(b, std::string(43, 'A'));
        CPPUNIT_ASSERT_EQUAL(404, r.status);
        CPPUNIT_ASSERT(contains(r.body, "This sign-up link is not valid."));
        r = b.post(pages::register_account, "/register/confirm", {{"token", std::string(43, 'A')}});
        CPPUNIT_ASSERT_EQUAL(404, r.status);
        r = b.post(pages::register_account, "/register/confirm", {{"token", "x"}});
        CPPUNIT_ASSERT_EQUAL(400, r.status);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), test::user_count(*t.app));
    }

    void expired_link() {
        test::TestApp t;
        Browser b(*t.app);
        sign_up(b, kEmail);
        std::string token = link_token(t, kEmail);
        t.clock->advance(t.app->config().signup_token_ttl);
        auth::Response r = open_link(b, token);
        CPPUNIT_ASSERT_EQUAL(410, r.status);
        CPPUNIT_ASSERT(contains(r.body, "This sign-up link has expired."));
        CPPUNIT_ASSERT_EQUAL(410, b.post(pages::register_account, "/register/confirm", {{"token", token}}).status);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), test::user_count(*t.app));
    }

    void second_registration_replaces_the_first() {
        test::TestApp t;
        Browser b(*t.app);
        sign_up(b, kEmail, test::kGoodPassword, "First Try");
        std::string first = link_token(t, kEmail);
        sign_up(b, kEmail, kOtherPassword, "Second Try");
        std::string second = link_token(t, kEmail);
        CPPUNIT_ASSERT(first != second);
        auth::Response r = open_link(b, first);
        CPPUNIT_ASSERT_EQUAL(410, r.status);
        CPPUNIT_ASSERT(contains(r.body, "A newer sign-up link was sent for this address"));
        CPPUNIT_ASSERT_EQUAL(303, confirm(b, second, kOtherPassword).status);
        auto user = t.app->store().users().find_by_email(kEmail);
        CPPUNIT_ASSERT_EQUAL(std::string("Second Try"), user->name);
        CPPUNIT_ASSERT(t.app->hasher.verify(user->password_hash, kOtherPassword));
    }

    void two_people_one_address_only_the_mailbox_decides() {
        // Mallory registers Ada's address after Ada did: the newest link (to
        // Ada's mailbox) is the only one that works, and Ada, who reads
        // both mails, chooses. Mallory never sees a link.
        test::TestApp t;
        Browser ada(*t.app), mallory(*t.app);
        sign_up(ada, kEmail, test::kGoodPassword, kName);
        std::string ada_link = link_token(t, kEmail);
        sign_up(mallory, kEmail, kOtherPassword, "Mallory");
        std::string mallory_link = link_token(t, kEmail);
        CPPUNIT_ASSERT_EQUAL(410, confirm(ada, ada_link).status);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), test::user_count(*t.app));
        // Ada registers again; Mallory's link is void too.
        sign_up(ada, kEmail, test::kGoodPassword, kName);
        std::string newest = link_token(t, kEmail);
        CPPUNIT_ASSERT_EQUAL(410, confirm(mallory, mallory_link).status);
        CPPUNIT_ASSERT_EQUAL(303, confirm(ada, newest).status);
        auto user = t.app->store().users().find_by_email(kEmail);
        CPPUNIT_ASSERT_EQUAL(std::string(kName), user->name);
        CPPUNIT_ASSERT(!t.app->hasher.verify(user->password_hash, kOtherPassword));
    }

    void account_made_meanwhile_is_409_and_nothing_changes() {
        test::TestApp t;
        Browser b(*t.app);
        sign_up(b, kEmail, kOtherPassword, "Pending Person");
        std::string token = link_token(t, kEmail);
        auto uid = test::make_user(*t.app, kEmail, test::kGoodPassword, kName);  // e.g. with confirmation off meanwhile
        auth::Response r = confirm(b, token, kOtherPassword);
        CPPUNIT_ASSERT_EQUAL(409, r.status);
        CPPUNIT_ASSERT(contains(r.body, "An account with this email address already exists"));
        CPPUNIT_ASSERT(!test::sets_cookie(r, t.app->cookie_name("sid")));
        auto user = t.app->store().users().find_by_id(uid);
        CPPUNIT_ASSERT_EQUAL(std::string(kName), user->name);
        CPPUNIT_ASSERT(t.app->hasher.verify(user->password_hash, test::kGoodPassword));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), test::session_count(*t.app, uid));
    }

    void confirm_without_csrf_is_403_and_makes_nothing() {
        test::TestApp t;
        Browser b(*t.app);
        sign_up(b, kEmail);
        std::string token = link_token(t, kEmail);
        Browser other(*t.app);
        auth::Response r = other.post(pages::register_account, "/register/confirm", {{"token", token}, {"csrf_token", ""}});
        CPPUNIT_ASSERT_EQUAL(403, r.status);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), test::user_count(*t.app));
        CPPUNIT_ASSERT_EQUAL(303, confirm(b, token).status);  // still valid
    }

    void login_before_confirming_says_so_after_the_right_password_only() {
        test::TestApp t;
        Browser b(*t.app);
        sign_up(b, kEmail);
        Browser login(*t.app);
        auth::Response wrong = test::log_in(login, kEmail, kOtherPassword);
        CPPUNIT_ASSERT_EQUAL(401, wrong.status);
        CPPUNIT_ASSERT(!contains(wrong.body, "Confirm your email address first"));
        auth::Response right = test::log_in(login, kEmail, test::kGoodPassword);
        CPPUNIT_ASSERT_EQUAL(403, right.status);
        CPPUNIT_ASSERT(contains(right.body, "Confirm your email address first"));
        CPPUNIT_ASSERT(contains(right.body, "action=\"/register/resend\""));
        CPPUNIT_ASSERT(contains(right.body, "Send the link again"));
        CPPUNIT_ASSERT(!test::sets_cookie(right, t.app->cookie_name("sid")));
        // The form's button sends the link again.
        std::string before = link_token(t, kEmail);
        auth::Response resent = login.post(pages::register_account, "/register/resend", {{"email", kEmail}});
        CPPUNIT_ASSERT_EQUAL(200, resent.status);
        std::string after = link_token(t, kEmail);
        CPPUNIT_ASSERT(!after.empty() && after != before);
    }

    void resend_sends_a_new_link_and_voids_the_old() {
        test::TestApp t;
        Browser b(*t.app);
        sign_up(b, kEmail);
        std::string first = link_token(t, kEmail);
        auth::Response r = b.post(pages::register_account, "/register/resend", {{"email", kEmail}});
        CPPUNIT_ASSERT_EQUAL(200, r.status);
        CPPUNIT_ASSERT(contains(r.body, "Check your inbox"));
        std::string second = link_token(t, kEmail);
        CPPUNIT_ASSERT(second != first);
        CPPUNIT_ASSERT_EQUAL(410, open_link(b, first).status);
        CPPUNIT_ASSERT_EQUAL(303, confirm(b, second).status);
        CPPUNIT_ASSERT(t.app->hasher.verify(t.app->store().users().find_by_email(kEmail)->password_hash, test::kGoodPassword));
    }

    void resend_for_an_address_without_registration_answers_the_same() {
        test::TestApp t;
        test::make_user(*t.app, "owner@example.test", test::kGoodPassword, "Owner");
        Browser b1(*t.app), b2(*t.app), b3(*t.app);
        sign_up(b1, kEmail);
        t.deliver();
        std::size_t mails = t.mailer->sent.size();
        b2.get(pages::register_account, "/register");
        b3.get(pages::register_account, "/register");
        auth::Response none = b2.post(pages::register_account, "/register/resend", {{"email", "nobody@example.test"}});
        auth::Response owner = b3.post(pages::register_account, "/register/resend", {{"email", "owner@example.test"}});
        auth::Response waiting = b1.post(pages::register_account, "/register/resend", {{"email", kEmail}});
        for (const auth::Response* r : {&none, &owner, &waiting}) CPPUNIT_ASSERT_EQUAL(200, r->status);
        CPPUNIT_ASSERT_EQUAL(test::without_csrf_token(test::replace_all(none.body, "nobody@example.test", "EMAIL")),
                             test::without_csrf_token(test::replace_all(waiting.body, kEmail, "EMAIL")));
        CPPUNIT_ASSERT(test::comparable_headers(none) == test::comparable_headers(owner));
        t.deliver();
        CPPUNIT_ASSERT_EQUAL(mails + 1, t.mailer->sent.size());  // only to the waiting registration
        CPPUNIT_ASSERT_EQUAL(std::string(kEmail), t.mailer->sent.back().to);
    }

    void fourth_signup_mail_to_an_address_in_an_hour_is_429_known_or_not() {
        test::TestApp t;
        const std::string taken = "taken@example.test";
        test::make_user(*t.app, taken, test::kGoodPassword, "Owner");
        for (const std::string& email : {std::string(kEmail), taken}) {
            Browser b(*t.app);
            for (int i = 0; i < 2; ++i) CPPUNIT_ASSERT_EQUAL(200, sign_up(b, email).status);
            CPPUNIT_ASSERT_EQUAL(200, b.post(pages::register_account, "/register/resend", {{"email", email}}).status);
            auth::Response r = sign_up(b, email);
            CPPUNIT_ASSERT_EQUAL(429, r.status);
            CPPUNIT_ASSERT_EQUAL(std::string("3600"), test::header_value(r, "Retry-After"));
            CPPUNIT_ASSERT(contains(r.body, "Too many mails have gone to this address in the last hour."));
            r = b.post(pages::register_account, "/register/resend", {{"email", email}});
            CPPUNIT_ASSERT_EQUAL(429, r.status);
            CPPUNIT_ASSERT_EQUAL(std::string("3600"), test::header_value(r, "Retry-After"));
            // Someone else, from another client address, is not held back
            // by what this one used up.
            CPPUNIT_ASSERT_EQUAL(200, post_from_address(b, "/register", signup_form(email), "192.0.2.9").status);
        }
        t.clock->advance(3601);
        Browser b(*t.app);
        CPPUNIT_ASSERT_EQUAL(200, sign_up(b, kEmail).status);
    }

    void refused_requests_do_not_lengthen_the_wait() {
        test::TestApp t;
        Browser b(*t.app);
        for (int i = 0; i < 3; ++i) CPPUNIT_ASSERT_EQUAL(200, sign_up(b, kEmail).status);
        t.clock->advance(1800);
        for (int i = 0; i < 5; ++i) CPPUNIT_ASSERT_EQUAL(429, sign_up(b, kEmail).status);
        t.clock->advance(1801);  // an hour after the three that went
        CPPUNIT_ASSERT_EQUAL(200, sign_up(b, kEmail).status);
    }

    void resends_count_toward_the_client_address_limit() {
        test::TestApp t("http://127.0.0.1:8080", [](auth::Config& c) { c.signup_max_per_hour_per_address = 3; });
        Browser b(*t.app);
        b.get(pages::register_account, "/register");
        for (const char* email : {"a@example.test", "b@example.test", "c@example.test"})
            CPPUNIT_ASSERT_EQUAL(200, b.post(pages::register_account, "/register/resend", {{"email", email}}).status);
        auth::Response r = b.post(pages::register_account, "/register/resend", {{"email", "d@example.test"}});
        CPPUNIT_ASSERT_EQUAL(429, r.status);
        CPPUNIT_ASSERT_EQUAL(std::string("3600"), test::header_value(r, "Retry-After"));
        CPPUNIT_ASSERT_EQUAL(429, sign_up(b, "e@example.test").status);
    }

    void a_link_sent_again_ends_when_the_first_would_have() {
        test::TestApp t;
        Browser b(*t.app);
        sign_up(b, kEmail);
        std::int64_t ttl = t.app->config().signup_token_ttl;
        t.clock->advance(ttl - 10);
        CPPUNIT_ASSERT_EQUAL(200, b.post(pages::register_account, "/register/resend", {{"email", kEmail}}).status);
        std::string resent = link_token(t, kEmail);
        CPPUNIT_ASSERT_EQUAL(200, open_link(b, resent).status);
        t.clock->advance(10);
        CPPUNIT_ASSERT_EQUAL(410, open_link(b, resent).status);
        // And no more is sent for it.
        t.deliver();
        std::size_t mails = t.mailer->sent.size();
        CPPUNIT_ASSERT_EQUAL(200, b.post(pages::register_account, "/register/resend", {{"email", kEmail}}).status);
        t.deliver();
        CPPUNIT_ASSERT_EQUAL(mails, t.mailer->sent.size());
    }

    void confirm_needs_the_password_chosen_at_sign_up() {
        test::TestApp t;
        Browser b(*t.app);
        sign_up(b, kEmail);
        std::string token = link_token(t, kEmail);
        auth::Response r = open_link(b, token);
        CPPUNIT_ASSERT(contains(r.body, "type=\"password\""));
        r = b.post(pages::register_account, "/register/confirm", {{"token", token}, {"password", ""}});
        CPPUNIT_ASSERT_EQUAL(422, r.status);
        CPPUNIT_ASSERT(contains(r.body, "Enter the password you chose when you signed up."));
        for (int i = 0; i < 5; ++i) {
            r = b.post(pages::register_account, "/register/confirm", {{"token", token}, {"password", kOtherPassword}});
            CPPUNIT_ASSERT_EQUAL(403, r.status);
            CPPUNIT_ASSERT(contains(r.body, "This is not the password chosen when this account was asked for."));
            CPPUNIT_ASSERT(contains(r.body, "name=\"token\" value=\"" + token + "\""));  // the form keeps its link
        }
        r = b.post(pages::register_account, "/register/confirm", {{"token", token}, {"password", test::kGoodPassword}});
        CPPUNIT_ASSERT_EQUAL(429, r.status);
        CPPUNIT_ASSERT(!test::header_value(r, "Retry-After").empty());
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), test::user_count(*t.app));
        t.clock->advance(15 * 60 + 1);
        CPPUNIT_ASSERT_EQUAL(303, confirm(b, token).status);
    }

    void a_link_someone_else_asked_for_makes_no_account_for_them() {
        // Ada registers; Mallory registers Ada's address with a password of
        // Mallory's, which voids Ada's link. Ada opens the newest mail and
        // presses the button with her own password: nothing is made.
        test::TestApp t;
        Browser ada(*t.app), mallory(*t.app);
        sign_up(ada, kEmail, test::kGoodPassword);
        sign_up(mallory, kEmail, kOtherPassword, "Mallory");
        std::string mallorys = link_token(t, kEmail);
        CPPUNIT_ASSERT_EQUAL(403, confirm(ada, mallorys, test::kGoodPassword).status);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), test::user_count(*t.app));
    }

    void registering_then_logging_in_tells_nothing_about_the_account() {
        // Whoever registers an address knows the password they typed; a
        // login with it answers the same whether or not the address had
        // an account (which keeps its own password).
        test::TestApp t;
        const std::string taken = "own@example.test", fresh = "new@example.test";
        test::make_user(*t.app, taken, test::kGoodPassword, "Owner");
        Browser b(*t.app);
        sign_up(b, taken, kOtherPassword);
        sign_up(b, fresh, kOtherPassword);
        for (int i = 0; i < 6; ++i) {
            Browser l1(*t.app), l2(*t.app);
            auth::Response a = test::log_in(l1, taken, kOtherPassword);
            auth::Response c = test::log_in(l2, fresh, kOtherPassword);
            CPPUNIT_ASSERT_EQUAL(403, a.status);
            CPPUNIT_ASSERT_EQUAL(a.status, c.status);
            CPPUNIT_ASSERT_EQUAL(test::without_csrf_token(test::replace_all(a.body, taken, "EMAIL")),
                                 test::without_csrf_token(test::replace_all(c.body, fresh, "EMAIL")));
            CPPUNIT_ASSERT(test::comparable_headers(a) == test::comparable_headers(c));
        }
        // The owner still logs in with the account's own password.
        Browser owner(*t.app);
        CPPUNIT_ASSERT_EQUAL(303, test::log_in(owner, taken, test::kGoodPassword).status);
        // And resending for the taken address mails nothing.
        t.deliver();
        std::size_t mails = t.mailer->sent.size();
        CPPUNIT_ASSERT_EQUAL(200, b.post(pages::register_account, "/register/resend", {{"email", taken}}).status);
        t.deliver();
        CPPUNIT_ASSERT_EQUAL(mails, t.mailer->sent.size());
    }

    void registrations_from_one_client_address_are_limited() {
        test::TestApp t("http://127.0.0.1:8080", [](auth::Config& c) { c.signup_max_per_hour_per_address = 3; });
        test::make_user(*t.app, "taken@example.test", test::kGoodPassword, "Owner");
        Browser b(*t.app);
        CPPUNIT_ASSERT_EQUAL(200, sign_up(b, "one@example.test").status);
        CPPUNIT_ASSERT_EQUAL(200, sign_up(b, "taken@example.test").status);  // counted alike
        CPPUNIT_ASSERT_EQUAL(200, sign_up(b, "two@example.test").status);
        auth::Response r = sign_up(b, "three@example.test");
        CPPUNIT_ASSERT_EQUAL(429, r.status);
        CPPUNIT_ASSERT_EQUAL(std::string("3600"), test::header_value(r, "Retry-After"));
        CPPUNIT_ASSERT(contains(r.body, "Too many accounts were created from your network."));
        CPPUNIT_ASSERT(link_token(t, "three@example.test").empty());
        // Another client address is not held back.
        auth::Request other = test::post_from(b, "/register", signup_form("four@example.test"));
        other.remote_addr = "192.0.2.77";
        CPPUNIT_ASSERT_EQUAL(200, pages::register_account(other, *t.app).status);
        t.clock->advance(3601);
        CPPUNIT_ASSERT_EQUAL(200, sign_up(b, "five@example.test").status);
    }

    void unconfirmed_registrations_are_purged_by_housekeeping() {
        test::TestApp t;
        Browser b(*t.app);
        sign_up(b, kEmail);
        std::string token = link_token(t, kEmail);
        t.clock->advance(t.app->config().signup_token_ttl + 1);
        t.app->accounts.housekeeping();
        auto q = test::db(*t.app).query("SELECT count(*) FROM signups WHERE email != '' OR password_hash != '' OR name != ''");
        q.step();
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), q.int64(0));
        CPPUNIT_ASSERT_EQUAL(410, open_link(b, token).status);  // still says "expired"
        Browser login(*t.app);
        CPPUNIT_ASSERT_EQUAL(401, test::log_in(login, kEmail, test::kGoodPassword).status);
    }

    void without_confirmation_the_account_is_made_at_once() {
        test::TestApp t("http://127.0.0.1:8080", [](auth::Config& c) { c.signup_confirmation = false; });
        Browser b(*t.app);
        auth::Response r = sign_up(b, kEmail);
        CPPUNIT_ASSERT_EQUAL(303, r.status);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), test::user_count(*t.app));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), test::queued_mails(*t.app));
        auto q = test::db(*t.app).query("SELECT confirmed_at IS NULL FROM users");
        q.step();
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), q.int64(0));  // the address was never shown to be theirs
        CPPUNIT_ASSERT_EQUAL(409, sign_up(b, kEmail).status);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(SignupPageTest);

}  // namespace
