// Tests for the email change (pages::profile under /profile/email): asking
// needs the current password and mails a link to the new address and a
// notice to the old one, whether or not the address is taken; the profile
// shows the pending address and can cancel it; the link changes the address
// once, refuses a taken address, and leaves a notice; a password change or
// reset voids a pending change.
#include <cppunit/extensions/HelperMacros.h>

#include "core/crypto.hh"
#include "pages/pages.hh"
#include "support.hh"

using test::Browser;

using test::contains;

namespace {

const std::string kBase = "http://127.0.0.1:8080";
const std::string kEmail = "ada@example.test";
const std::string kNew = "ada.lovelace@new.example";

std::string link_token(const std::string& rfc5322) {
    std::string text = test::mail_decoded(rfc5322);
    std::string prefix = kBase + "/profile/email/confirm?token=";
    auto p = text.find(prefix);
    if (p == std::string::npos) return "";
    return text.substr(p + prefix.size(), 43);
}

std::string subject_of(const std::string& mail) {
    auto p = mail.find("Subject: ");
    return mail.substr(p + 9, mail.find("\r\n", p) - p - 9);
}

struct Account : test::LoggedIn {
    Account() : LoggedIn(kEmail) {}
    auth::Response ask(const std::string& address, const std::string& password = test::kGoodPassword) {
        b.get(pages::profile, "/profile");
        return b.post(pages::profile, "/profile/email", {{"new_email", address}, {"current_password", password}});
    }
    // Delivers the outbox; returns the mails sent since the last call.
    std::vector<test::RecordingMailer::Sent> mails() {
        std::size_t before = t.mailer->sent.size();
        t.app->outbox.deliver_due(*t.mailer, 100);
        return {t.mailer->sent.begin() + static_cast<long>(before), t.mailer->sent.end()};
    }
    const test::RecordingMailer::Sent* mail_to(const std::vector<test::RecordingMailer::Sent>& mails, const std::string& to) {
        for (const auto& m : mails)
            if (m.to == to) return &m;
        return nullptr;
    }
    std::string token_for(const std::string& address) {
        CPPUNIT_ASSERT_EQUAL(303, ask(address).status);
        auto sent = mails();
        auto m = mail_to(sent, address);
        CPPUNIT_ASSERT(m);
        return link_token(m->message);
    }
    auth::Response confirm(Browser& with, const std::string& token) {
        with.get(pages::profile, "/profile/email/confirm", {{"token", token}});
        return with.post(pages::profile, "/profile/email/confirm", {{"token", token}});
    }
};

class EmailPageTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(EmailPageTest);
    CPPUNIT_TEST(asking_mails_a_link_to_the_new_address_and_a_notice_to_the_old);
    CPPUNIT_TEST(asking_for_a_taken_address_looks_the_same);
    CPPUNIT_TEST(profile_shows_the_pending_address_and_cancels_it);
    CPPUNIT_TEST(wrong_or_missing_password_is_refused);
    CPPUNIT_TEST(bad_addresses_are_422);
    CPPUNIT_TEST(asking_is_limited_per_hour);
    CPPUNIT_TEST(asking_needs_csrf_and_a_session);
    CPPUNIT_TEST(get_and_other_methods);
    CPPUNIT_TEST(confirm_page_shows_a_form_and_changes_nothing);
    CPPUNIT_TEST(confirm_changes_the_address_and_notifies_the_old_one);
    CPPUNIT_TEST(confirm_works_logged_out_and_once);
    CPPUNIT_TEST(confirm_refuses_a_taken_address);
    CPPUNIT_TEST(bad_links);
    CPPUNIT_TEST(confirm_needs_csrf);
    CPPUNIT_TEST(password_change_voids_pending_change);
    CPPUNIT_TEST(password_reset_voids_pending_change_and_mails_a_notice);
    CPPUNIT_TEST(confirm_voids_reset_links_sent_to_the_old_address);
    CPPUNIT_TEST_SUITE_END();

public:
    void asking_mails_a_link_to_the_new_address_and_a_notice_to_the_old() {
        Account a;
        auth::Response r = a.ask(kNew);
        CPPUNIT_ASSERT_EQUAL(303, r.status);
        CPPUNIT_ASSERT_EQUAL(kBase + "/profile", test::header_value(r, "Location"));
        CPPUNIT_ASSERT_EQUAL(std::string("email_change_sent"), test::set_cookie_value(r, "flash"));
        CPPUNIT_ASSERT_EQUAL(kEmail, a.user().email);  // nothing changes yet
        CPPUNIT_ASSERT_EQUAL(std::int64_t(2), test::queued_mails(*a.t.app));
        auto sent = a.mails();
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), sent.size());
        auto link = a.mail_to(sent, kNew);
        auto notice = a.mail_to(sent, kEmail);
        CPPUNIT_ASSERT(link && notice);
        CPPUNIT_ASSERT_EQUAL(std::string("Confirm your new email address - sessionauth"), subject_of(link->message));
        std::string token = link_token(link->message);
        CPPUNIT_ASSERT(auth::looks_like_token(token));
        CPPUNIT_ASSERT(contains(test::mail_decoded(link->message), "within 24 hours"));
        std::string n = test::mail_decoded(notice->message);
        CPPUNIT_ASSERT_EQUAL(std::string("Someone asked to change your email address - sessionauth"), subject_of(notice->message));
        CPPUNIT_ASSERT(contains(n, kNew));
        CPPUNIT_ASSERT(contains(n, "From the address: 127.0.0.1"));
        for (const auto* m : {link, notice}) CPPUNIT_ASSERT(!contains(test::mail_decoded(m->message), test::kGoodPassword));
        CPPUNIT_ASSERT(!contains(n, token));
        auth::Response page = a.b.get(pages::profile, "/profile");
        CPPUNIT_ASSERT(contains(page.body, "We sent a link to the new address."));
    }

    void asking_for_a_taken_address_looks_the_same() {
        Account a;
        test::make_user(*a.t.app, "bob@example.test", "bob's own good passphrase", "Bob");
        auth::Response free = a.ask(kNew);
        auto free_mails = a.mails();
        auth::Response taken = a.ask("bob@example.test");
        auto taken_mails = a.mails();
        CPPUNIT_ASSERT_EQUAL(free.status, taken.status);
        CPPUNIT_ASSERT_EQUAL(test::header_value(free, "Location"), test::header_value(taken, "Location"));
        CPPUNIT_ASSERT_EQUAL(test::set_cookie_value(free, "flash"), test::set_cookie_value(taken, "flash"));
        CPPUNIT_ASSERT_EQUAL(free_mails.size(), taken_mails.size());
        CPPUNIT_ASSERT(a.mail_to(taken_mails, "bob@example.test"));
        CPPUNIT_ASSERT_EQUAL(std::string("Confirm your new email address - sessionauth"),
                             subject_of(a.mail_to(taken_mails, "bob@example.test")->message));
    }

    void profile_shows_the_pending_address_and_cancels_it() {
        Account a;
        a.ask("not an address");  // refused: nothing pending
        CPPUNIT_ASSERT(!a.t.app->store().email_changes().pending(a.id));
        CPPUNIT_ASSERT_EQUAL(303, a.ask(kNew).status);
        auth::Response page = a.b.get(pages::profile, "/profile");
        CPPUNIT_ASSERT(contains(page.body, "Waiting for confirmation: <strong>" + kNew + "</strong>"));
        CPPUNIT_ASSERT(contains(page.body, "action=\"/profile/email/cancel\""));
        CPPUNIT_ASSERT(contains(page.body, "2027-01-16 08:00 UTC"));
        auth::Response r = a.b.post(pages::profile, "/profile/email/cancel", {});
        CPPUNIT_ASSERT_EQUAL(303, r.status);
        CPPUNIT_ASSERT_EQUAL(std::string("email_change_cancelled"), test::set_cookie_value(r, "flash"));
        CPPUNIT_ASSERT(!a.t.app->store().email_changes().pending(a.id));
        page = a.b.get(pages::profile, "/profile");
        CPPUNIT_ASSERT(!contains(page.body, "Waiting for confirmation"));
        CPPUNIT_ASSERT(contains(page.body, "The change of your email address has been cancelled."));
        // Cancelling with nothing pending: back to the profile, no message.
        r = a.b.post(pages::profile, "/profile/email/cancel", {});
        CPPUNIT_ASSERT_EQUAL(303, r.status);
        CPPUNIT_ASSERT(!test::sets_cookie(r, "flash"));
    }

    void wrong_or_missing_password_is_refused() {
        Account a;
        auth::Response r = a.ask(kNew, "not my passphrase at all");
        CPPUNIT_ASSERT_EQUAL(403, r.status);
        CPPUNIT_ASSERT(contains(r.body, "<p class=\"error\" id=\"email_current_password-error\">Your current password is not right."));
        CPPUNIT_ASSERT(contains(r.body, "aria-describedby=\"email_current_password-error\""));
        CPPUNIT_ASSERT(contains(r.body, "value=\"" + kNew + "\""));  // the address typed is kept
        CPPUNIT_ASSERT(!contains(r.body, "not my passphrase"));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), test::login_failures_for(*a.t.app, kEmail));
        r = a.ask(kNew, "");
        CPPUNIT_ASSERT_EQUAL(422, r.status);
        CPPUNIT_ASSERT(contains(r.body, "Enter your current password."));
        CPPUNIT_ASSERT(!a.t.app->store().email_changes().pending(a.id));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), test::queued_mails(*a.t.app));
        // After 5 wrong passwords even the right one waits.
        for (int i = 0; i < 4; ++i) a.ask(kNew, "not my passphrase at all");
        r = a.ask(kNew);
        CPPUNIT_ASSERT_EQUAL(429, r.status);
        CPPUNIT_ASSERT(!test::header_value(r, "Retry-After").empty());
        CPPUNIT_ASSERT(contains(r.body, "Too many wrong passwords."));
        CPPUNIT_ASSERT(!a.t.app->store().email_changes().pending(a.id));
    }

    void bad_addresses_are_422() {
        Account a;
        for (const std::string& bad : {std::string(""), std::string("no-at-sign"), std::string("a@b@c.test"),
                                       std::string("ada@example.test\r\nBcc: x@evil.test"), std::string(250, 'a') + "@x.test"}) {
            auth::Response r = a.ask(bad);
            CPPUNIT_ASSERT_EQUAL_MESSAGE(bad, 422, r.status);
            CPPUNIT_ASSERT(contains(r.body, "<p class=\"error\" id=\"new_email-error\">Enter an email address like name@example.com."));
            CPPUNIT_ASSERT(contains(r.body, "aria-describedby=\"new_email-hint new_email-error\""));
        }
        auth::Response same = a.ask("ADA@Example.test");
        CPPUNIT_ASSERT_EQUAL(422, same.status);
        CPPUNIT_ASSERT(contains(same.body, "That is already your email address."));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), test::queued_mails(*a.t.app));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), test::login_failures_for(*a.t.app, kEmail));
    }

    void asking_is_limited_per_hour() {
        Account a;
        for (int i = 0; i < 3; ++i) CPPUNIT_ASSERT_EQUAL(303, a.ask("n" + std::to_string(i) + "@new.example").status);
        auth::Response r = a.ask("n9@new.example");
        CPPUNIT_ASSERT_EQUAL(429, r.status);
        CPPUNIT_ASSERT_EQUAL(std::string("3600"), test::header_value(r, "Retry-After"));
        CPPUNIT_ASSERT(contains(r.body, "too often in the last hour"));
        CPPUNIT_ASSERT_EQUAL(std::string("n2@new.example"), a.t.app->store().email_changes().pending(a.id)->payload);
        a.t.clock->advance(3601);
        CPPUNIT_ASSERT_EQUAL(303, a.ask("n9@new.example").status);
    }

    void asking_needs_csrf_and_a_session() {
        Account a;
        auth::Response r = a.b.post(pages::profile, "/profile/email",
                                    {{"new_email", kNew}, {"current_password", test::kGoodPassword}, {"csrf_token", "x"}});
        CPPUNIT_ASSERT_EQUAL(403, r.status);
        auth::Request rq = test::post_from(a.b, "/profile/email", {{"new_email", kNew}, {"current_password", test::kGoodPassword}});
        rq.sec_fetch_site = "cross-site";
        CPPUNIT_ASSERT_EQUAL(403, pages::profile(rq, *a.t.app).status);
        Browser stranger(*a.t.app);
        stranger.get(pages::login, "/login");
        r = stranger.post(pages::profile, "/profile/email", {{"new_email", kNew}, {"current_password", test::kGoodPassword}});
        CPPUNIT_ASSERT_EQUAL(303, r.status);
        CPPUNIT_ASSERT_EQUAL(kBase + "/login?next=/profile/email", test::header_value(r, "Location"));
        CPPUNIT_ASSERT(!a.t.app->store().email_changes().pending(a.id));
    }

    void get_and_other_methods() {
        Account a;
        auth::Response r = a.b.get(pages::profile, "/profile/email");
        CPPUNIT_ASSERT_EQUAL(303, r.status);
        CPPUNIT_ASSERT_EQUAL(kBase + "/profile", test::header_value(r, "Location"));
        auth::Request put = test::get_from(a.b, "/profile/email");
        put.method = "PUT";
        r = pages::profile(put, *a.t.app);
        CPPUNIT_ASSERT_EQUAL(405, r.status);
        CPPUNIT_ASSERT_EQUAL(std::string("POST"), test::header_value(r, "Allow"));
        for (const char* path : {"/profile/email/", "/profile/email/x", "/profile/emailx", "/profile/email/confirm/x"})
            CPPUNIT_ASSERT_EQUAL_MESSAGE(path, 404, pages::profile(test::get_from(a.b, path), *a.t.app).status);
    }

    void confirm_page_shows_a_form_and_changes_nothing() {
        Account a;
        std::string token = a.token_for(kNew);
        Browser other(*a.t.app);
        auth::Response r = other.get(pages::profile, "/profile/email/confirm", {{"token", token}});
        CPPUNIT_ASSERT_EQUAL(200, r.status);
        CPPUNIT_ASSERT_EQUAL(std::string("no-referrer"), test::header_value(r, "Referrer-Policy"));
        CPPUNIT_ASSERT(contains(r.body, "<strong>" + kNew + "</strong>"));
        CPPUNIT_ASSERT(contains(r.body, "<form method=\"post\" action=\"/profile/email/confirm\""));
        CPPUNIT_ASSERT(contains(r.body, "name=\"token\" value=\"" + token + "\""));
        CPPUNIT_ASSERT(!contains(r.body, kEmail));  // the link holder does not learn the old address
        CPPUNIT_ASSERT_EQUAL(kEmail, a.user().email);
    }

    void confirm_changes_the_address_and_notifies_the_old_one() {
        Account a;
        std::string token = a.token_for(kNew);
        a.t.clock->advance(30);
        auth::Response r = a.confirm(a.b, token);
        CPPUNIT_ASSERT_EQUAL(303, r.status);
        CPPUNIT_ASSERT_EQUAL(kBase + "/profile", test::header_value(r, "Location"));
        CPPUNIT_ASSERT_EQUAL(std::string("email_changed"), test::set_cookie_value(r, "flash"));
        CPPUNIT_ASSERT_EQUAL(kNew, a.user().email);
        auto sent = a.mails();
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), sent.size());
        CPPUNIT_ASSERT_EQUAL(kEmail, sent[0].to);
        CPPUNIT_ASSERT_EQUAL(std::string("Your email address was changed - sessionauth"), subject_of(sent[0].message));
        CPPUNIT_ASSERT(contains(test::mail_decoded(sent[0].message), "was changed to " + kNew));
        CPPUNIT_ASSERT(!contains(test::mail_decoded(sent[0].message), token));
        auth::Response page = a.b.get(pages::profile, "/profile");
        CPPUNIT_ASSERT(contains(page.body, "<dd>" + kNew + "</dd>"));
        CPPUNIT_ASSERT(contains(page.body, "Your email address has been changed."));
        // Log in with the new address only.
        Browser fresh(*a.t.app);
        CPPUNIT_ASSERT_EQUAL(401, test::log_in(fresh, kEmail, test::kGoodPassword).status);
        CPPUNIT_ASSERT_EQUAL(303, test::log_in(fresh, kNew, test::kGoodPassword).status);
        // The session it was asked from lives on.
        CPPUNIT_ASSERT_EQUAL(200, a.b.get(pages::profile, "/profile").status);
    }

    void confirm_works_logged_out_and_once() {
        Account a;
        std::string token = a.token_for(kNew);
        Browser phone(*a.t.app);  // the mail opened elsewhere, not logged in
        auth::Response r = a.confirm(phone, token);
        CPPUNIT_ASSERT_EQUAL(303, r.status);
        CPPUNIT_ASSERT_EQUAL(kBase + "/login", test::header_value(r, "Location"));
        CPPUNIT_ASSERT_EQUAL(kNew, a.user().email);
        r = phone.get(pages::profile, "/profile/email/confirm", {{"token", token}});
        CPPUNIT_ASSERT_EQUAL(410, r.status);
        CPPUNIT_ASSERT(contains(r.body, "This confirmation link has already been used."));
        r = phone.post(pages::profile, "/profile/email/confirm", {{"token", token}});
        CPPUNIT_ASSERT_EQUAL(410, r.status);
    }

    void confirm_refuses_a_taken_address() {
        Account a;
        std::string token = a.token_for("bob@example.test");
        test::make_user(*a.t.app, "bob@example.test", "bob's own good passphrase", "Bob");
        auth::Response r = a.confirm(a.b, token);
        CPPUNIT_ASSERT_EQUAL(409, r.status);
        CPPUNIT_ASSERT(contains(r.body, "Another account uses bob@example.test now, so the address was not changed."));
        CPPUNIT_ASSERT_EQUAL(kEmail, a.user().email);
        CPPUNIT_ASSERT(a.mails().empty());  // no "changed" notice
        CPPUNIT_ASSERT(!a.t.app->store().email_changes().pending(a.id));
        r = a.confirm(a.b, token);
        CPPUNIT_ASSERT_EQUAL(410, r.status);
    }

    void bad_links() {
        Account a;
        Browser b(*a.t.app);
        struct Case {
            std::string token;
            int status;
            const char* says;
        };
        for (const Case& c : {Case{"", 400, "incomplete or damaged"}, Case{"abc", 400, "incomplete or damaged"},
                              Case{auth::random_token(32), 404, "This confirmation link is not valid."}}) {
            auth::Response r = b.get(pages::profile, "/profile/email/confirm", {{"token", c.token}});
            CPPUNIT_ASSERT_EQUAL_MESSAGE(c.token, c.status, r.status);
            CPPUNIT_ASSERT(contains(r.body, c.says));
            CPPUNIT_ASSERT_EQUAL(std::string("no-referrer"), test::header_value(r, "Referrer-Policy"));
        }
        std::string older = a.token_for("first@new.example");
        std::string newer = a.token_for("second@new.example");
        auth::Response r = b.get(pages::profile, "/profile/email/confirm", {{"token", older}});
        CPPUNIT_ASSERT_EQUAL(410, r.status);
        CPPUNIT_ASSERT(contains(r.body, "no longer works"));
        a.t.clock->advance(86400);
        r = b.get(pages::profile, "/profile/email/confirm", {{"token", newer}});
        CPPUNIT_ASSERT_EQUAL(410, r.status);
        CPPUNIT_ASSERT(contains(r.body, "has expired"));
        CPPUNIT_ASSERT_EQUAL(kEmail, a.user().email);
    }

    void confirm_needs_csrf() {
        Account a;
        std::string token = a.token_for(kNew);
        Browser b(*a.t.app);
        b.get(pages::profile, "/profile/email/confirm", {{"token", token}});
        auth::Response r = b.post(pages::profile, "/profile/email/confirm", {{"token", token}, {"csrf_token", "forged"}});
        CPPUNIT_ASSERT_EQUAL(403, r.status);
        auth::Request rq = test::post_from(b, "/profile/email/confirm", {{"token", token}});
        rq.origin = "http://evil.example";
        CPPUNIT_ASSERT_EQUAL(403, pages::profile(rq, *a.t.app).status);
        CPPUNIT_ASSERT_EQUAL(kEmail, a.user().email);
        // A token only in the query string of a POST does not count.
        b.get(pages::profile, "/profile/email/confirm", {{"token", token}});
        rq = test::post_from(b, "/profile/email/confirm", {});
        rq.query = {{"token", token}};
        CPPUNIT_ASSERT_EQUAL(400, pages::profile(rq, *a.t.app).status);
        CPPUNIT_ASSERT_EQUAL(kEmail, a.user().email);
    }

    void password_change_voids_pending_change() {
        Account a;
        std::string token = a.token_for(kNew);
        a.b.get(pages::profile, "/profile");
        CPPUNIT_ASSERT_EQUAL(303, a.b.post(pages::profile, "/profile/password",
                                           {{"current_password", test::kGoodPassword},
                                            {"new_password", "purple elephant juggling teacups"},
                                            {"new_password_confirm", "purple elephant juggling teacups"}})
                                      .status);
        CPPUNIT_ASSERT(!a.t.app->store().email_changes().pending(a.id));
        a.b.get(pages::profile, "/profile");  // where the change led: a form of the new session
        CPPUNIT_ASSERT_EQUAL(410, a.confirm(a.b, token).status);
        CPPUNIT_ASSERT_EQUAL(kEmail, a.user().email);
        auto sent = a.mails();
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), sent.size());
        CPPUNIT_ASSERT_EQUAL(std::string("Your password was changed - sessionauth"), subject_of(sent[0].message));
        CPPUNIT_ASSERT_EQUAL(kEmail, sent[0].to);
        CPPUNIT_ASSERT(!contains(test::mail_decoded(sent[0].message), "purple elephant"));
    }

    void password_reset_voids_pending_change_and_mails_a_notice() {
        Account a;
        std::string token = a.token_for(kNew);
        std::string reset = a.t.app->store().reset_tokens().issue(a.id);
        Browser b(*a.t.app);
        b.get(pages::reset, "/reset/confirm", {{"token", reset}});
        auth::Response r = b.post(pages::reset, "/reset/confirm",
                                  {{"token", reset},
                                   {"password", "purple elephant juggling teacups"},
                                   {"password_confirm", "purple elephant juggling teacups"}});
        CPPUNIT_ASSERT_EQUAL(303, r.status);
        CPPUNIT_ASSERT(!a.t.app->store().email_changes().pending(a.id));
        CPPUNIT_ASSERT_EQUAL(410, a.confirm(b, token).status);
        auto sent = a.mails();
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), sent.size());
        CPPUNIT_ASSERT_EQUAL(kEmail, sent[0].to);
        CPPUNIT_ASSERT_EQUAL(std::string("Your password was reset - sessionauth"), subject_of(sent[0].message));
        std::string text = test::mail_decoded(sent[0].message);
        CPPUNIT_ASSERT(contains(text, "From the address: 127.0.0.1"));
        CPPUNIT_ASSERT(!contains(text, reset));
        CPPUNIT_ASSERT(!contains(text, "purple elephant"));
    }

    void confirm_voids_reset_links_sent_to_the_old_address() {
        Account a;
        std::string token = a.token_for(kNew);
        std::string reset = a.t.app->store().reset_tokens().issue(a.id);
        CPPUNIT_ASSERT_EQUAL(303, a.confirm(a.b, token).status);
        CPPUNIT_ASSERT(a.t.app->store().reset_tokens().check(reset).state == auth::TokenState::Superseded);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(EmailPageTest);

}  // namespace
