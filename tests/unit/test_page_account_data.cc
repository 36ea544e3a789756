// Tests for an account's end and its data: /profile/delete (password, code
// and address typed again; nothing of the account left but the deletion's
// event with its id; the last notice goes even after its waiting mail is
// removed), /profile/export (a JSON download without secrets),
// /profile/activity, /privacy, and SITE_NAME in pages and mails.
#include <cppunit/extensions/HelperMacros.h>

#include <filesystem>
#include <string>
#include <vector>

#include "account/accounts.hh"
#include "core/image_sniff.hh"
#include "core/validate.hh"
#include "mail/outbox.hh"
#include "pages/pages.hh"
#include "store/sqlite/db.hh"
#include "web/app.hh"
#include "support.hh"

namespace {

const char* const kEmail = "leaving@example.test";

// Every row of every table of the database, as text, that mentions `needle`
// (case-insensitive): "table: row".
std::vector<std::string> rows_mentioning(auth::App& app, const std::string& needle) {
    std::vector<std::string> found;
    std::vector<std::string> tables;
    {
        auto q = test::db(app).query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'");
        while (q.step()) tables.push_back(q.text(0));
    }
    for (const std::string& table : tables) {
        std::vector<std::string> columns;
        {
            auto q = test::db(app).query("SELECT name FROM pragma_table_info(?)");
            q.bind(1, table);
            while (q.step()) columns.push_back(q.text(0));
        }
        std::string row = "''";
        for (const std::string& c : columns) row += " || '|' || coalesce(quote(\"" + c + "\"), '')";
        auto q = test::db(app).query("SELECT " + row + " FROM \"" + table + "\"");
        while (q.step()) {
            std::string text = q.text(0);
            if (test::contains(auth::ascii_lower(text), auth::ascii_lower(needle))) found.push_back(table + ": " + text);
        }
    }
    return found;
}

// The same, one row a line ("" when none).
std::string left_behind(auth::App& app, const std::string& needle) {
    std::string out;
    for (const std::string& row : rows_mentioning(app, needle)) out += row + "\n";
    return out;
}

std::string subject_of(const std::string& mail) {
    auto p = mail.find("Subject: ");
    return mail.substr(p + 9, mail.find("\r\n", p) - p - 9);
}

}  // namespace

class AccountDataPageTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(AccountDataPageTest);
    CPPUNIT_TEST(delete_asks_for_the_password_and_the_address);
    CPPUNIT_TEST(delete_leaves_nothing_but_the_event_and_sends_a_last_notice);
    CPPUNIT_TEST(delete_removes_the_picture_file_and_waiting_mail);
    CPPUNIT_TEST(the_last_notice_goes_even_when_the_hourly_share_is_used_up);
    CPPUNIT_TEST(a_mail_being_sent_is_not_taken_back);
    CPPUNIT_TEST(delete_with_two_step_login_asks_for_a_code);
    CPPUNIT_TEST(admin_delete_names_the_admin);
    CPPUNIT_TEST(export_is_a_json_download_without_secrets);
    CPPUNIT_TEST(activity_shows_only_ones_own_events);
    CPPUNIT_TEST(privacy_page_is_linked_from_register_and_footer);
    CPPUNIT_TEST(site_name_in_pages_and_mails);
    CPPUNIT_TEST_SUITE_END();

public:
    void delete_asks_for_the_password_and_the_address() {
        test::LoggedIn in(kEmail);
        test::CaptureStderr quiet;
        CPPUNIT_ASSERT_EQUAL(200, in.b.get(pages::profile, "/profile/delete").status);
        auth::Response r = in.b.post(pages::profile, "/profile/delete",
                                      {{"current_password", test::kGoodPassword}, {"confirm_email", "other@example.test"}});
        CPPUNIT_ASSERT_EQUAL(422, r.status);
        CPPUNIT_ASSERT(test::contains(r.body, "Type the address of this account"));
        CPPUNIT_ASSERT(test::contains(r.body, "aria-invalid=\"true\""));
        r = in.b.post(pages::profile, "/profile/delete", {{"current_password", "wrong password here"}, {"confirm_email", kEmail}});
        CPPUNIT_ASSERT_EQUAL(403, r.status);
        r = in.b.post(pages::profile, "/profile/delete", {{"current_password", ""}, {"confirm_email", kEmail}});
        CPPUNIT_ASSERT_EQUAL(422, r.status);
        CPPUNIT_ASSERT_EQUAL(std::int64_t{1}, test::user_count(*in.t.app));
        // Without the CSRF token: refused before anything is looked at.
        r = in.b.post(pages::profile, "/profile/delete",
                      {{"current_password", test::kGoodPassword}, {"confirm_email", kEmail}, {"csrf_token", "x"}});
        CPPUNIT_ASSERT_EQUAL(403, r.status);
        CPPUNIT_ASSERT_EQUAL(std::int64_t{1}, test::user_count(*in.t.app));
    }

    void delete_leaves_nothing_but_the_event_and_sends_a_last_notice() {
        test::LoggedIn in(kEmail);
        test::CaptureStderr err;
        // Some of everything the account leaves around: a failed login, a
        // reset request, a second session, events.
        test::Browser other(*in.t.app);
        test::log_in(other, kEmail, "a wrong password for sure");
        test::log_in(other, kEmail, test::kGoodPassword);
        in.t.app->accounts.request_reset(kEmail, {"192.0.2.1", "x", "r"});
        in.t.deliver();
        in.t.mailer->sent.clear();
        in.b.get(pages::profile, "/profile/delete");
        auth::Response r = in.b.post(pages::profile, "/profile/delete",
                                      {{"current_password", test::kGoodPassword}, {"confirm_email", " LEAVING@example.test "}});
        CPPUNIT_ASSERT_EQUAL(303, r.status);
        CPPUNIT_ASSERT_EQUAL(std::string("http://127.0.0.1:8080/"), test::header_value(r, "Location"));
        CPPUNIT_ASSERT(test::sets_cookie(r, "sid"));
        CPPUNIT_ASSERT_EQUAL(std::string(""), test::set_cookie_value(r, "sid"));
        // The last notice waits in the outbox: the only row with the address.
        auto left = rows_mentioning(*in.t.app, kEmail);
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, left.size());
        CPPUNIT_ASSERT(left[0].rfind("outbox: ", 0) == 0);
        CPPUNIT_ASSERT_EQUAL(1, in.t.deliver());
        CPPUNIT_ASSERT_EQUAL(std::string("Your account was deleted - sessionauth"), subject_of(in.t.mailer->sent[0].message));
        CPPUNIT_ASSERT_EQUAL(std::string(kEmail), in.t.mailer->sent[0].to);
        CPPUNIT_ASSERT_EQUAL(std::string(), left_behind(*in.t.app, kEmail));
        CPPUNIT_ASSERT_EQUAL(std::string(), left_behind(*in.t.app, "Ada Lovelace"));
        CPPUNIT_ASSERT_EQUAL(std::int64_t{0}, test::user_count(*in.t.app));
        CPPUNIT_ASSERT_EQUAL(std::int64_t{0}, test::session_rows(*in.t.app));
        // One event stays: the deletion, with the account id and nothing else.
        auto kept = in.t.app->accounts.events().for_user(in.id);
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, kept.size());
        CPPUNIT_ASSERT_EQUAL(std::string("account.deleted"), kept[0].name);
        CPPUNIT_ASSERT_EQUAL(std::string(""), kept[0].client_ip);
        CPPUNIT_ASSERT_EQUAL(std::string(""), kept[0].browser);
        CPPUNIT_ASSERT_EQUAL(std::string(""), kept[0].detail);
        CPPUNIT_ASSERT(test::contains(err.text(), "event name=\"account.deleted\" outcome=\"ok\""));
        // The old session opens nothing now.
        CPPUNIT_ASSERT_EQUAL(303, other.get(pages::profile, "/profile").status);
    }

    void delete_removes_the_picture_file_and_waiting_mail() {
        test::LoggedIn in(kEmail);
        test::CaptureStderr quiet;
        std::string png = test::picture_fixture("picture.png");
        auth::ImageCheck image = auth::sniff_image(png);
        in.t.app->accounts.update_profile(in.user(), "Ada Lovelace", &png, image, false, {"192.0.2.1", "x", "r"});
        std::string picture = in.user().picture;
        CPPUNIT_ASSERT(!picture.empty());
        std::string file = in.t.app->config().picture_dir + "/" + picture;
        CPPUNIT_ASSERT(std::filesystem::exists(file));
        // A change of address waiting: a link to the new address, a notice to the old.
        in.b.post(pages::profile, "/profile/email", {{"new_email", "next@example.test"}, {"current_password", test::kGoodPassword}});
        CPPUNIT_ASSERT_EQUAL(std::int64_t{2}, test::queued_mails(*in.t.app));
        in.b.get(pages::profile, "/profile/delete");
        CPPUNIT_ASSERT_EQUAL(303, in.b.post(pages::profile, "/profile/delete",
                                            {{"current_password", test::kGoodPassword}, {"confirm_email", kEmail}})
                                      .status);
        CPPUNIT_ASSERT(!std::filesystem::exists(file));
        CPPUNIT_ASSERT_EQUAL(std::int64_t{1}, test::queued_mails(*in.t.app));  // the last notice only
        CPPUNIT_ASSERT_EQUAL(std::string(), left_behind(*in.t.app, "next@example.test"));
        CPPUNIT_ASSERT_EQUAL(1, in.t.deliver());
        CPPUNIT_ASSERT_EQUAL(std::string(kEmail), in.t.mailer->sent[0].to);
    }

    void the_last_notice_goes_even_when_the_hourly_share_is_used_up() {
        test::TestApp t("http://127.0.0.1:8080", [](auth::Config& c) { c.mail_max_per_hour = 1; });
        std::int64_t id = test::make_user(*t.app, kEmail, test::kGoodPassword);
        test::CaptureStderr quiet;
        const auth::Client c{"192.0.2.1", "x", "r"};
        t.app->accounts.request_reset(kEmail, c);  // the one mail of this hour
        CPPUNIT_ASSERT_EQUAL(std::int64_t{1}, test::queued_mails(*t.app));
        auto user = *t.app->store().users().find_by_id(id);
        auto done = t.app->accounts.delete_account(user, {test::kGoodPassword, ""}, kEmail, c);
        CPPUNIT_ASSERT(done.result == auth::DeleteResult::Deleted);
        CPPUNIT_ASSERT_EQUAL(1, t.deliver());
        CPPUNIT_ASSERT_EQUAL(std::string("Your account was deleted - sessionauth"), subject_of(t.mailer->sent[0].message));
        CPPUNIT_ASSERT_EQUAL(std::string(), left_behind(*t.app, kEmail));
    }

    // A delivery run is sending a mail of the account when it is deleted:
    // that row stays for the run to finish, and the last notice does not
    // take its id (the run would delete the notice as the mail it sent).
    void a_mail_being_sent_is_not_taken_back() {
        test::TestApp t;
        std::int64_t id = test::make_user(*t.app, kEmail, test::kGoodPassword);
        test::CaptureStderr quiet;
        const auth::Client c{"192.0.2.1", "x", "r"};
        t.app->accounts.request_reset(kEmail, c);
        auto& outbox = t.app->store().outbox();
        std::int64_t now = t.clock->now();
        auto claimed = outbox.claim_next(now, now + 60, auth::Outbox::backoff);
        CPPUNIT_ASSERT(claimed);
        auto user = *t.app->store().users().find_by_id(id);
        CPPUNIT_ASSERT(t.app->accounts.delete_account(user, {test::kGoodPassword, ""}, kEmail, c).result ==
                       auth::DeleteResult::Deleted);
        CPPUNIT_ASSERT_EQUAL(std::int64_t{2}, test::queued_mails(*t.app));
        outbox.delivered(claimed->id);  // the run is done with it
        CPPUNIT_ASSERT_EQUAL(std::int64_t{1}, test::queued_mails(*t.app));
        CPPUNIT_ASSERT_EQUAL(1, t.deliver());
        CPPUNIT_ASSERT_EQUAL(std::string("Your account was deleted - sessionauth"), subject_of(t.mailer->sent[0].message));
    }

    void delete_with_two_step_login_asks_for_a_code() {
        test::TestApp t;
        std::int64_t id = test::make_user(*t.app, kEmail, test::kGoodPassword);
        test::CaptureStderr quiet;
        // Two-step login on, straight through the store (its own tests cover turning it on).
        auth::SealedSecret secret{"nonce", "sealed", 0, 0};
        t.app->store().two_factor().enable(id, secret, 1, t.clock->now());
        t.app->store().two_factor().replace_recovery_codes(id, {"digest-1"});
        auto user = *t.app->store().users().find_by_id(id);
        const auth::Client c{"192.0.2.1", "x", "r"};
        auto missing = t.app->accounts.delete_account(user, {test::kGoodPassword, ""}, kEmail, c);
        CPPUNIT_ASSERT(missing.result == auth::DeleteResult::Reauth);
        CPPUNIT_ASSERT(missing.reauth.result == auth::Reauth::Missing && missing.reauth.code);
        // A wrong address with two-step login on: refused before the code is looked at.
        auto wrong = t.app->accounts.delete_account(user, {test::kGoodPassword, "123456"}, "x@example.test", c);
        CPPUNIT_ASSERT(wrong.result == auth::DeleteResult::AddressMismatch);
        CPPUNIT_ASSERT_EQUAL(std::int64_t{1}, test::user_count(*t.app));
        // The admin's way deletes it, two-factor rows and all.
        CPPUNIT_ASSERT(t.app->accounts.admin_delete_account(id, c, "root"));
        auto q = test::db(*t.app).query("SELECT (SELECT count(*) FROM two_factor) + (SELECT count(*) FROM recovery_codes)");
        q.step();
        CPPUNIT_ASSERT_EQUAL(std::int64_t{0}, q.int64(0));
    }

    void admin_delete_names_the_admin() {
        test::TestApp t;
        std::int64_t id = test::make_user(*t.app, kEmail, test::kGoodPassword);
        test::CaptureStderr quiet;
        CPPUNIT_ASSERT(t.app->accounts.admin_delete_account(id, {"198.51.100.1", "x", "r"}, "alice"));
        CPPUNIT_ASSERT(!t.app->accounts.admin_delete_account(id, {"198.51.100.1", "x", "r"}, "alice"));
        auto kept = t.app->accounts.events().for_user(id);
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, kept.size());
        CPPUNIT_ASSERT_EQUAL(std::string("alice"), kept[0].actor);
        CPPUNIT_ASSERT_EQUAL(std::string(""), kept[0].client_ip);
        CPPUNIT_ASSERT_EQUAL(1, t.deliver());
    }

    void export_is_a_json_download_without_secrets() {
        test::LoggedIn in(kEmail);
        test::CaptureStderr quiet;
        auth::Response r = in.b.get(pages::profile, "/profile/export");
        CPPUNIT_ASSERT_EQUAL(200, r.status);
        CPPUNIT_ASSERT_EQUAL(std::string("application/json; charset=utf-8"), test::header_value(r, "Content-Type"));
        CPPUNIT_ASSERT_EQUAL(std::string("attachment; filename=\"my-account-data.json\""),
                             test::header_value(r, "Content-Disposition"));
        CPPUNIT_ASSERT(test::contains(test::header_value(r, "Cache-Control"), "no-store"));
        CPPUNIT_ASSERT(test::contains(r.body, "\"email\": \"leaving@example.test\""));
        CPPUNIT_ASSERT(test::contains(r.body, "\"name\": \"Ada Lovelace\""));
        CPPUNIT_ASSERT(test::contains(r.body, "\"two_step_login\": {\"on\": false}"));
        CPPUNIT_ASSERT(test::contains(r.body, "\"passkeys\": []"));
        CPPUNIT_ASSERT(test::contains(r.body, "\"sessions\": [\n    {\"browser\": "));
        CPPUNIT_ASSERT(test::contains(r.body, "\"event\": \"login\""));
        // No hash, no session token, no CSRF secret, no request ids.
        CPPUNIT_ASSERT(!test::contains(r.body, "argon2"));
        CPPUNIT_ASSERT(!test::contains(r.body, in.user().password_hash));
        for (const auto& [name, value] : in.b.cookies())
            CPPUNIT_ASSERT_MESSAGE(name, value.size() < 8 || !test::contains(r.body, value));
        CPPUNIT_ASSERT(!test::contains(r.body, "token"));
        CPPUNIT_ASSERT(!test::contains(r.body, "request"));
        // Names are escaped as JSON (and inert as HTML).
        in.t.app->store().users().update_name(in.id, "A \"quoted\" <b>name</b>\\", in.t.clock->now());
        r = in.b.get(pages::profile, "/profile/export");
        CPPUNIT_ASSERT(test::contains(r.body, "\"name\": \"A \\\"quoted\\\" \\u003cb\\u003ename\\u003c/b\\u003e\\\\\""));
        // The download itself is an event.
        auth::EventFilter f;
        f.name = "data.exported";
        CPPUNIT_ASSERT_EQUAL(std::size_t{2}, in.t.app->accounts.events().query(f).size());
    }

    void activity_shows_only_ones_own_events() {
        test::LoggedIn in(kEmail);
        test::CaptureStderr quiet;
        test::Browser stranger(*in.t.app);
        test::make_user(*in.t.app, "someone@example.test", test::kGoodPassword);
        stranger.get(pages::login, "/login");
        stranger.post(pages::login, "/login", {{"email", "someone@example.test"}, {"password", "wrong wrong wrong"}});
        in.t.app->accounts.log_in(kEmail, "not it at all", {"203.0.113.77", "Mozilla/5.0 Firefox/120.0", "r"});
        auth::Response r = in.b.get(pages::profile, "/profile/activity");
        CPPUNIT_ASSERT_EQUAL(200, r.status);
        CPPUNIT_ASSERT(test::contains(r.body, "203.0.113.77"));
        CPPUNIT_ASSERT(test::contains(r.body, "Firefox"));
        CPPUNIT_ASSERT(test::contains(r.body, "<strong>Failed</strong>"));
        CPPUNIT_ASSERT(test::contains(r.body, "Log in"));
        CPPUNIT_ASSERT(test::contains(r.body, "The site keeps these for 90 days."));
        // One failed login from the stranger's browser is not shown here: one failed row only.
        std::size_t failed = 0;
        for (std::size_t at = 0; (at = r.body.find("<strong>Failed</strong>", at)) != std::string::npos; ++at) ++failed;
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, failed);
        // Logged out: the login page.
        test::Browser nobody(*in.t.app);
        CPPUNIT_ASSERT_EQUAL(303, nobody.get(pages::profile, "/profile/activity").status);
    }

    void privacy_page_is_linked_from_register_and_footer() {
        test::TestApp t;
        test::Browser b(*t.app);
        auth::Response r = b.get(pages::home, "/privacy");
        CPPUNIT_ASSERT_EQUAL(200, r.status);
        CPPUNIT_ASSERT(test::contains(r.body, "<h1>Privacy</h1>"));
        CPPUNIT_ASSERT(test::contains(r.body, "kept for 90 days"));
        CPPUNIT_ASSERT(test::contains(r.body, "<title>Privacy · sessionauth</title>"));
        r = b.get(pages::register_account, "/register");
        CPPUNIT_ASSERT(test::contains(r.body, "<a href=\"/privacy\">privacy</a>"));
        CPPUNIT_ASSERT(test::contains(r.body, "<footer class=\"site-footer\"><p>sessionauth · <a href=\"/privacy\">Privacy</a>"));
    }

    void site_name_in_pages_and_mails() {
        test::TestApp t("http://127.0.0.1:8080", [&](auth::Config& c) { c.site_name = "Caf\xc3\xa9 Club"; });
        test::Browser b(*t.app);
        auth::Response r = b.get(pages::home, "/");
        CPPUNIT_ASSERT(test::contains(r.body, "<title>Welcome · Caf\xc3\xa9 Club</title>"));
        CPPUNIT_ASSERT(test::contains(r.body, "<a class=\"brand\" href=\"/\">Caf\xc3\xa9 Club</a>"));
        CPPUNIT_ASSERT(test::contains(r.body, "<p>Caf\xc3\xa9 Club · <a href=\"/privacy\">Privacy</a>"));
        test::make_user(*t.app, kEmail, test::kGoodPassword);
        test::CaptureStderr quiet;
        t.app->accounts.request_reset(kEmail, {"192.0.2.1", "x", "r"});
        CPPUNIT_ASSERT_EQUAL(1, t.deliver());
        const std::string& mail = t.mailer->sent[0].message;
        // From: the name as an RFC 2047 word ("Café Club"), the address after it.
        CPPUNIT_ASSERT(test::contains(mail, "From: =?UTF-8?B?Q2Fmw6kgQ2x1Yg==?= <"));
        CPPUNIT_ASSERT(test::contains(mail, "Subject: =?UTF-8?B?"));
        std::string text = test::mail_decoded(mail);
        CPPUNIT_ASSERT(test::contains(text, "Caf\xc3\xa9 Club, http://127.0.0.1:8080"));
        // An ASCII name is a quoted string.
        test::TestApp plain("http://127.0.0.1:8080", [](auth::Config& c) { c.site_name = "Plain Site"; });
        test::make_user(*plain.app, kEmail, test::kGoodPassword);
        plain.app->accounts.request_reset(kEmail, {"192.0.2.1", "x", "r"});
        CPPUNIT_ASSERT_EQUAL(1, plain.deliver());
        CPPUNIT_ASSERT(test::contains(plain.mailer->sent[0].message, "From: \"Plain Site\" <"));
        CPPUNIT_ASSERT(test::contains(plain.mailer->sent[0].message, "Subject: Reset your password - Plain Site\r\n"));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(AccountDataPageTest);
