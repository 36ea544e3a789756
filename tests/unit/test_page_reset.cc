// Tests for pages::reset: GET/POST /reset (ask for a link: same answer
// whether or not the address has an account, mail queued and sent after the
// response, links from BASE_URL, limits per account and per address) and
// GET/POST /reset/confirm (a page per kind of bad link, the new password,
// every session ended, throttling cleared, no session cookie, single use).
#include <cppunit/extensions/HelperMacros.h>

#include <sqlite3.h>

#include <functional>
#include <set>

#include "core/crypto.hh"
#include "store/sqlite/db.hh"
#include "pages/pages.hh"
#include "web/serve.hh"
#include "account/throttle.hh"
#include "support.hh"

using test::Browser;

using test::contains;

namespace {

const char* const kEmail = "ada@example.test";
const char* const kName = "Ada Lovelace";
const char* const kNewPassword = "violet kettle under the moon";

// The token of the first "<base_url>/reset/confirm?token=" link in a mail ("" if none).
std::string token_in_mail(const std::string& rfc5322, const std::string& base_url) {
    return test::token_after(rfc5322, base_url + "/reset/confirm?token=");
}

std::int64_t table_rows(auth::App& app, const char* sql) {
    auto q = test::db(app).query(sql);
    q.step();
    return q.int64(0);
}

// GET /reset in a fresh browser, then POST the email.
auth::Response ask_for_link(auth::App& app, const std::string& email) {
    Browser b(app);
    b.get(pages::reset, "/reset");
    return b.post(pages::reset, "/reset", {{"email", email}});
}

// GET /reset/confirm?token=… then POST the new password (twice) with it.
auth::Response set_password(Browser& b, const std::string& token, const std::string& password,
                            const std::string& confirm) {
    b.get(pages::reset, "/reset");  // a form, so the browser has a CSRF token even if the link is bad
    b.get(pages::reset, "/reset/confirm", {{"token", token}});
    return b.post(pages::reset, "/reset/confirm", {{"token", token}, {"password", password}, {"password_confirm", confirm}});
}

std::string password_hash_of(auth::App& app, std::int64_t uid) { return app.store().users().find_by_id(uid)->password_hash; }

// A fixed clock that counts its calls, notes the first call made inside a
// write transaction of `watch`, and runs `hook` at call number `fire_at`:
// a way to let "another process" act between two steps of one request.
class HookClock final : public auth::Clock {
public:
    std::int64_t now() const override {
        ++calls;
        if (watch && first_in_transaction < 0 && !sqlite3_get_autocommit(watch)) first_in_transaction = calls;
        if (calls == fire_at && hook) {
            hook();
            fired = true;
        }
        return 1'800'000'000;
    }
    mutable int calls = 0;
    mutable int first_in_transaction = -1;
    mutable bool fired = false;
    int fire_at = -1;
    sqlite3* watch = nullptr;
    std::function<void()> hook;
};

class ResetPageTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(ResetPageTest);
    CPPUNIT_TEST(get_reset_shows_form_with_csrf);
    CPPUNIT_TEST(post_reset_without_csrf_is_403);
    CPPUNIT_TEST(post_reset_from_a_no_referrer_page_is_accepted);
    CPPUNIT_TEST(post_reset_with_invalid_email_is_422);
    CPPUNIT_TEST(known_and_unknown_email_get_the_same_answer);
    CPPUNIT_TEST(known_email_queues_one_mail_sent_after_the_response);
    CPPUNIT_TEST(mail_link_is_built_from_base_url_only);
    CPPUNIT_TEST(unknown_email_queues_nothing);
    CPPUNIT_TEST(email_is_matched_whatever_its_case);
    CPPUNIT_TEST(fourth_request_in_an_hour_sends_no_mail);
    CPPUNIT_TEST(eleventh_request_from_one_address_is_429);
    CPPUNIT_TEST(address_past_its_hourly_share_is_429_known_or_not);
    CPPUNIT_TEST(failed_delivery_does_not_change_the_answer);
    CPPUNIT_TEST(confirm_get_with_valid_token_shows_form);
    CPPUNIT_TEST(confirm_bad_links_have_own_status_and_message);
    CPPUNIT_TEST(confirm_bad_link_page_links_to_reset_under_base_path);
    CPPUNIT_TEST(confirm_post_with_weak_password_is_422_and_keeps_token);
    CPPUNIT_TEST(confirm_post_with_mismatch_is_422_and_keeps_token);
    CPPUNIT_TEST(confirm_post_without_csrf_is_403_and_keeps_token);
    CPPUNIT_TEST(confirm_post_success_changes_password);
    CPPUNIT_TEST(confirm_post_success_ends_every_session_of_the_user);
    CPPUNIT_TEST(confirm_post_success_clears_login_throttle);
    CPPUNIT_TEST(confirm_post_success_sets_no_session_cookie);
    CPPUNIT_TEST(confirm_post_success_deletes_a_logged_in_session_cookie);
    CPPUNIT_TEST(token_works_once);
    CPPUNIT_TEST(token_used_by_a_parallel_request_meanwhile);
    CPPUNIT_TEST(token_expiring_while_the_form_is_open);
    CPPUNIT_TEST(token_superseded_while_the_form_is_open);
    CPPUNIT_TEST(token_of_one_user_never_changes_another);
    CPPUNIT_TEST(password_change_voids_a_mailed_token);
    CPPUNIT_TEST(login_page_after_reset_shows_the_message);
    CPPUNIT_TEST(whole_flow_through_the_mail);
    CPPUNIT_TEST(token_is_never_logged);
    CPPUNIT_TEST(other_methods_and_paths);
    CPPUNIT_TEST_SUITE_END();

public:
    void get_reset_shows_form_with_csrf() {
        test::TestApp t;
        Browser b(*t.app);
        auth::Response r = b.get(pages::reset, "/reset");
        CPPUNIT_ASSERT_EQUAL(200, r.status);
        CPPUNIT_ASSERT(!test::csrf_token_in(r.body).empty());
        CPPUNIT_ASSERT(contains(r.body, "action=\"/reset\""));
        CPPUNIT_ASSERT(contains(r.body, "name=\"email\""));
        CPPUNIT_ASSERT(test::sets_cookie(r, "csrf"));
        CPPUNIT_ASSERT_EQUAL(std::string("no-referrer"), test::header_value(r, "Referrer-Policy"));
    }

    // The reset pages send Referrer-Policy: no-referrer, so a real browser
    // posts their forms with "Origin: null" (and Sec-Fetch-Site: same-origin).
    void post_reset_from_a_no_referrer_page_is_accepted() {
        test::TestApp t;
        test::make_user(*t.app, kEmail, test::kGoodPassword, kName);
        Browser b(*t.app);
        b.get(pages::reset, "/reset");
        auth::Request rq = test::post_from(b, "/reset", {{"email", kEmail}});
        rq.origin = "null";
        rq.sec_fetch_site = "cross-site";
        CPPUNIT_ASSERT_EQUAL(403, pages::reset(rq, *t.app).status);
        rq.sec_fetch_site = "";
        CPPUNIT_ASSERT_EQUAL(403, pages::reset(rq, *t.app).status);
        rq.sec_fetch_site = "same-origin";
        CPPUNIT_ASSERT_EQUAL(200, pages::reset(rq, *t.app).status);  // "Check your email"
    }

    void post_reset_without_csrf_is_403() {
        test::TestApp t;
        test::make_user(*t.app, kEmail, test::kGoodPassword, kName);
        // No csrf cookie at all.
        auth::Response r = pages::reset(test::post("/reset", {{"email", kEmail}}), *t.app);
        CPPUNIT_ASSERT_EQUAL(403, r.status);
        // A cookie, but no token / a wrong token / a cross-site form.
        Browser b(*t.app);
        b.get(pages::reset, "/reset");
        CPPUNIT_ASSERT_EQUAL(403, b.post(pages::reset, "/reset", {{"email", kEmail}, {"csrf_token", ""}}).status);
        CPPUNIT_ASSERT_EQUAL(403, b.post(pages::reset, "/reset", {{"email", kEmail}, {"csrf_token", "x"}}).status);
        auth::Request cross = test::post_from(b, "/reset", {{"email", kEmail}});
        cross.sec_fetch_site = "cross-site";
        CPPUNIT_ASSERT_EQUAL(403, pages::reset(cross, *t.app).status);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), test::queued_mails(*t.app));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), table_rows(*t.app, "SELECT count(*) FROM reset_tokens"));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), table_rows(*t.app, "SELECT count(*) FROM reset_requests"));
    }

    void post_reset_with_invalid_email_is_422() {
        test::TestApp t;
        test::make_user(*t.app, kEmail, test::kGoodPassword, kName);
        Browser b(*t.app);
        b.get(pages::reset, "/reset");
        auth::Response r = b.post(pages::reset, "/reset", {{"email", "not-an-email<b>"}});
        CPPUNIT_ASSERT_EQUAL(422, r.status);
        CPPUNIT_ASSERT(contains(r.body, "Enter an email address like name@example.com."));
        CPPUNIT_ASSERT(contains(r.body, "value=\"not-an-email&lt;b&gt;\""));  // kept, escaped
        CPPUNIT_ASSERT_EQUAL(std::string("no-referrer"), test::header_value(r, "Referrer-Policy"));
        // A header injection attempt on a known address is refused too.
        r = b.post(pages::reset, "/reset", {{"email", std::string(kEmail) + "\r\nBcc: v@y.test"}});
        CPPUNIT_ASSERT(r.status >= 400 && r.status < 500);
        r = b.post(pages::reset, "/reset", {{"email", ""}});
        CPPUNIT_ASSERT_EQUAL(422, r.status);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), test::queued_mails(*t.app));
        t.deliver();
        CPPUNIT_ASSERT(t.mailer->sent.empty());
    }

    void known_and_unknown_email_get_the_same_answer() {
        test::TestApp t;
        test::make_user(*t.app, kEmail, test::kGoodPassword, kName);
        const std::string unknown = "nobody@example.test";
        auth::Response known = ask_for_link(*t.app, kEmail);
        auth::Response other = ask_for_link(*t.app, unknown);
        CPPUNIT_ASSERT_EQUAL(200, known.status);
        CPPUNIT_ASSERT_EQUAL(known.status, other.status);
        CPPUNIT_ASSERT(contains(known.body, "If an account exists for"));
        std::string a = test::without_csrf_token(test::replace_all(known.body, kEmail, "EMAIL"));
        std::string b = test::without_csrf_token(test::replace_all(other.body, unknown, "EMAIL"));
        CPPUNIT_ASSERT_EQUAL(a, b);
        CPPUNIT_ASSERT(test::cookie_names(known) == test::cookie_names(other));
        CPPUNIT_ASSERT(test::comparable_headers(known) == test::comparable_headers(other));
        // Also for a browser that already has its cookie (a second request).
        Browser b1(*t.app), b2(*t.app);
        b1.get(pages::reset, "/reset");
        b2.get(pages::reset, "/reset");
        known = b1.post(pages::reset, "/reset", {{"email", kEmail}});
        other = b2.post(pages::reset, "/reset", {{"email", unknown}});
        CPPUNIT_ASSERT_EQUAL(known.status, other.status);
        CPPUNIT_ASSERT(test::cookie_names(known) == test::cookie_names(other));
        CPPUNIT_ASSERT(test::comparable_headers(known) == test::comparable_headers(other));
        CPPUNIT_ASSERT_EQUAL(test::without_csrf_token(test::replace_all(known.body, kEmail, "EMAIL")),
                             test::without_csrf_token(test::replace_all(other.body, unknown, "EMAIL")));
    }

    void known_email_queues_one_mail_sent_after_the_response() {
        test::TestApp t;
        auto uid = test::make_user(*t.app, kEmail, test::kGoodPassword, kName);
        auth::Response r = ask_for_link(*t.app, kEmail);
        CPPUNIT_ASSERT_EQUAL(200, r.status);
        CPPUNIT_ASSERT_EQUAL(std::string("no-referrer"), test::header_value(r, "Referrer-Policy"));
        // Queued, not sent inside the request.
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), test::queued_mails(*t.app));
        CPPUNIT_ASSERT(t.mailer->sent.empty());
        t.deliver();
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), test::queued_mails(*t.app));
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), t.mailer->sent.size());
        const auto& mail = t.mailer->sent[0];
        CPPUNIT_ASSERT_EQUAL(std::string(kEmail), mail.to);
        CPPUNIT_ASSERT_EQUAL(t.app->config().mail_from, mail.from);
        std::string text = test::mail_decoded(mail.message);
        CPPUNIT_ASSERT(contains(text, "http://127.0.0.1:8080/reset/confirm?token="));
        CPPUNIT_ASSERT(contains(text, kName));
        CPPUNIT_ASSERT(contains(text, "30 minutes"));
        std::string token = token_in_mail(mail.message, "http://127.0.0.1:8080");
        CPPUNIT_ASSERT_EQUAL(std::size_t(43), token.size());
        auth::TokenCheck c = t.app->store().reset_tokens().check(token);
        CPPUNIT_ASSERT(c.state == auth::TokenState::Valid);
        CPPUNIT_ASSERT_EQUAL(uid, c.user_id);
        // The answer page does not carry the token.
        CPPUNIT_ASSERT(!contains(r.body, token));
    }

    void mail_link_is_built_from_base_url_only() {
        const std::string base = "https://auth.example.test/sub";
        test::TestApp t(base);
        test::make_user(*t.app, kEmail, test::kGoodPassword, kName);
        Browser b(*t.app);
        b.get(pages::reset, "/reset");
        // The request itself names another host and comes from elsewhere:
        // nothing of it may reach the link.
        auth::Request request = test::post_from(b, "/reset", {{"email", kEmail}});
        request.remote_addr = "203.0.113.7";
        request.origin = "";
        auth::Response r = pages::reset(request, *t.app);
        CPPUNIT_ASSERT_EQUAL(200, r.status);
        t.deliver();
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), t.mailer->sent.size());
        std::string text = test::mail_decoded(t.mailer->sent[0].message);
        std::string token = token_in_mail(t.mailer->sent[0].message, base);
        CPPUNIT_ASSERT_EQUAL(std::size_t(43), token.size());
        // Every link to the confirm page starts with BASE_URL.
        std::size_t links = 0;
        for (auto p = text.find("/reset/confirm"); p != std::string::npos; p = text.find("/reset/confirm", p + 1)) {
            ++links;
            CPPUNIT_ASSERT(p >= base.size());
            CPPUNIT_ASSERT_EQUAL(base, text.substr(p - base.size(), base.size()));
        }
        CPPUNIT_ASSERT(links >= 1);
        CPPUNIT_ASSERT(!contains(text, "127.0.0.1"));
        CPPUNIT_ASSERT(!contains(text, "203.0.113.7"));
        CPPUNIT_ASSERT(!contains(text, "http://"));
    }

    void unknown_email_queues_nothing() {
        test::TestApp t;
        test::make_user(*t.app, kEmail, test::kGoodPassword, kName);
        auth::Response r = ask_for_link(*t.app, "nobody@example.test");
        CPPUNIT_ASSERT_EQUAL(200, r.status);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), test::queued_mails(*t.app));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), table_rows(*t.app, "SELECT count(*) FROM reset_tokens"));
        t.deliver();
        CPPUNIT_ASSERT(t.mailer->sent.empty());
    }

    void email_is_matched_whatever_its_case() {
        test::TestApp t;
        test::make_user(*t.app, kEmail, test::kGoodPassword, kName);
        CPPUNIT_ASSERT_EQUAL(200, ask_for_link(*t.app, "  ADA@Example.TEST ").status);
        t.deliver();
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), t.mailer->sent.size());
        CPPUNIT_ASSERT_EQUAL(std::string(kEmail), t.mailer->sent[0].to);
    }

    void fourth_request_in_an_hour_sends_no_mail() {
        test::TestApp t;
        auto uid = test::make_user(*t.app, kEmail, test::kGoodPassword, kName);
        std::vector<std::string> bodies;
        for (int i = 0; i < 4; ++i) {
            auth::Response r = ask_for_link(*t.app, kEmail);
            CPPUNIT_ASSERT_EQUAL(200, r.status);
            bodies.push_back(test::without_csrf_token(r.body));
            t.deliver();
            t.clock->advance(60);
        }
        CPPUNIT_ASSERT_EQUAL(bodies[0], bodies[3]);
        CPPUNIT_ASSERT_EQUAL(std::size_t(3), t.mailer->sent.size());
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), test::queued_mails(*t.app));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(3), table_rows(*t.app, "SELECT count(*) FROM reset_tokens"));
        // Only the newest link works.
        std::string newest = token_in_mail(t.mailer->sent[2].message, "http://127.0.0.1:8080");
        CPPUNIT_ASSERT(t.app->store().reset_tokens().check(newest).state == auth::TokenState::Valid);
        for (int i = 0; i < 2; ++i)
            CPPUNIT_ASSERT(t.app->store().reset_tokens().check(token_in_mail(t.mailer->sent[i].message, "http://127.0.0.1:8080")).state ==
                           auth::TokenState::Superseded);
        // The limit is per account: another account still gets its mail.
        test::make_user(*t.app, "grace@example.test", test::kGoodPassword, "Grace Hopper");
        ask_for_link(*t.app, "grace@example.test");
        t.deliver();
        CPPUNIT_ASSERT_EQUAL(std::size_t(4), t.mailer->sent.size());
        CPPUNIT_ASSERT_EQUAL(std::string("grace@example.test"), t.mailer->sent[3].to);
        // An hour after the first mail, one more may go out.
        t.clock->advance(3600 - 4 * 60 + 1);
        ask_for_link(*t.app, kEmail);
        t.deliver();
        CPPUNIT_ASSERT_EQUAL(std::size_t(5), t.mailer->sent.size());
        CPPUNIT_ASSERT_EQUAL(std::string(kEmail), t.mailer->sent[4].to);
        CPPUNIT_ASSERT(t.app->store().reset_tokens().check(newest).state == auth::TokenState::Superseded);
        (void)uid;
    }

    void eleventh_request_from_one_address_is_429() {
        test::TestApp t;
        test::make_user(*t.app, kEmail, test::kGoodPassword, kName);
        for (int i = 0; i < 10; ++i)
            CPPUNIT_ASSERT_EQUAL(200, ask_for_link(*t.app, "nobody" + std::to_string(i) + "@example.test").status);
        auth::Response r = ask_for_link(*t.app, kEmail);
        CPPUNIT_ASSERT_EQUAL(429, r.status);
        CPPUNIT_ASSERT(!test::header_value(r, "Retry-After").empty());
        CPPUNIT_ASSERT(contains(r.body, "Too many reset requests"));
        CPPUNIT_ASSERT_EQUAL(std::string("no-referrer"), test::header_value(r, "Referrer-Policy"));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), test::queued_mails(*t.app));
        // Unknown addresses are refused the same way.
        CPPUNIT_ASSERT_EQUAL(429, ask_for_link(*t.app, "nobody@example.test").status);
        // Another address is not affected.
        Browser b(*t.app);
        b.get(pages::reset, "/reset");
        auth::Request elsewhere = test::post_from(b, "/reset", {{"email", kEmail}});
        elsewhere.remote_addr = "198.51.100.4";
        CPPUNIT_ASSERT_EQUAL(200, pages::reset(elsewhere, *t.app).status);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), test::queued_mails(*t.app));
        // An hour later the first address may ask again.
        t.clock->advance(3600);
        CPPUNIT_ASSERT_EQUAL(200, ask_for_link(*t.app, "nobody@example.test").status);
    }

    // MAIL_MAX_PER_HOUR: past an address's share, a reset link is refused
    // with its own message, the same way whether or not the address has an
    // account, and nothing more is queued for it.
    void address_past_its_hourly_share_is_429_known_or_not() {
        test::TestApp t("http://127.0.0.1:8080", [](auth::Config& c) { c.mail_max_per_hour = 2; });
        test::make_user(*t.app, kEmail, test::kGoodPassword, kName);
        test::CaptureStderr quiet;
        for (const std::string& address : {std::string(kEmail), std::string("nobody@example.test")}) {
            for (int i = 0; i < 2; ++i) CPPUNIT_ASSERT_EQUAL(200, ask_for_link(*t.app, address).status);
            auth::Response r = ask_for_link(*t.app, address);
            CPPUNIT_ASSERT_EQUAL(429, r.status);
            CPPUNIT_ASSERT(!test::header_value(r, "Retry-After").empty());
            CPPUNIT_ASSERT(contains(r.body, "Too many mails have gone to this address"));
        }
        CPPUNIT_ASSERT_EQUAL(std::int64_t(2), test::queued_mails(*t.app));  // the two links to the account
        // An hour later the address has its share again.
        t.clock->advance(3600);
        CPPUNIT_ASSERT_EQUAL(200, ask_for_link(*t.app, kEmail).status);
    }

    void failed_delivery_does_not_change_the_answer() {
        test::TestApp t;
        test::make_user(*t.app, kEmail, test::kGoodPassword, kName);
        auth::Response ok = ask_for_link(*t.app, "nobody@example.test");
        t.mailer->fail = true;
        auth::Response r = ask_for_link(*t.app, kEmail);
        {
            test::CaptureStderr quiet;
            t.deliver();
        }
        CPPUNIT_ASSERT_EQUAL(ok.status, r.status);
        CPPUNIT_ASSERT_EQUAL(test::without_csrf_token(test::replace_all(ok.body, "nobody@example.test", "EMAIL")),
                             test::without_csrf_token(test::replace_all(r.body, kEmail, "EMAIL")));
        // The mail waits in the outbox and goes out on a later request.
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), test::queued_mails(*t.app));
        t.mailer->fail = false;
        t.clock->advance(auth::Outbox::backoff(1));
        t.deliver();
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), t.mailer->sent.size());
        CPPUNIT_ASSERT_EQUAL(std::size_t(43), token_in_mail(t.mailer->sent[0].message, "http://127.0.0.1:8080").size());
    }

    void confirm_get_with_valid_token_shows_form() {
        test::TestApp t;
        auto uid = test::make_user(*t.app, kEmail, test::kGoodPassword, kName);
        std::string token = t.app->store().reset_tokens().issue(uid);
        Browser b(*t.app);
        auth::Response r = b.get(pages::reset, "/reset/confirm", {{"token", token}});
        CPPUNIT_ASSERT_EQUAL(200, r.status);
        CPPUNIT_ASSERT(contains(r.body, "<input type=\"hidden\" name=\"token\" value=\"" + token + "\">"));
        CPPUNIT_ASSERT(contains(r.body, "action=\"/reset/confirm\""));
        CPPUNIT_ASSERT(contains(r.body, "name=\"password\""));
        CPPUNIT_ASSERT(contains(r.body, "name=\"password_confirm\""));
        CPPUNIT_ASSERT(contains(r.body, kEmail));
        CPPUNIT_ASSERT(!test::csrf_token_in(r.body).empty());
        CPPUNIT_ASSERT_EQUAL(std::string("no-referrer"), test::header_value(r, "Referrer-Policy"));
        // Showing the form does not use the token up.
        CPPUNIT_ASSERT(t.app->store().reset_tokens().check(token).state == auth::TokenState::Valid);
        CPPUNIT_ASSERT_EQUAL(200, b.get(pages::reset, "/reset/confirm", {{"token", token}}).status);
    }

    void confirm_bad_links_have_own_status_and_message() {
        test::TestApp t;
        auto uid = test::make_user(*t.app, kEmail, test::kGoodPassword, kName);
        std::string used = t.app->store().reset_tokens().issue(uid);
        CPPUNIT_ASSERT(t.app->store().reset_tokens().consume(used));
        std::string superseded = t.app->store().reset_tokens().issue(uid);
        std::string expired = t.app->store().reset_tokens().issue(uid);  // supersedes the one before
        t.clock->advance(1800);
        struct Case {
            std::string token;
            int status;
            std::string phrase;
        };
        std::vector<Case> cases = {
            {"short", 400, "incomplete or damaged"},
            {"", 400, "incomplete or damaged"},
            {expired + "x", 400, "incomplete or damaged"},
            {auth::random_token(32), 404, "not valid"},
            {used, 410, "already been used"},
            {superseded, 410, "newer reset link"},
            {expired, 410, "has expired"},
        };
        std::set<std::string> messages;
        for (const Case& c : cases) {
            Browser b(*t.app);
            auth::Response r = b.get(pages::reset, "/reset/confirm", {{"token", c.token}});
            CPPUNIT_ASSERT_EQUAL_MESSAGE(c.phrase, c.status, r.status);
            CPPUNIT_ASSERT_MESSAGE(c.phrase, contains(r.body, c.phrase));
            CPPUNIT_ASSERT_MESSAGE(c.phrase, contains(r.body, "href=\"/reset\""));
            CPPUNIT_ASSERT_MESSAGE(c.phrase, !contains(r.body, "name=\"password\""));
            CPPUNIT_ASSERT_EQUAL(std::string("no-referrer"), test::header_value(r, "Referrer-Policy"));
            auto p = r.body.find("<p class=\"lead\">");
            CPPUNIT_ASSERT(p != std::string::npos);
            messages.insert(r.body.substr(p, r.body.find("</p>", p) - p));
            // The same answer for a POST of the form with that token (from a
            // page with a form: the CSRF check comes first).
            b.get(pages::reset, "/reset");
            auth::Response post = b.post(pages::reset, "/reset/confirm",
                                         {{"token", c.token}, {"password", kNewPassword}, {"password_confirm", kNewPassword}});
            CPPUNIT_ASSERT_EQUAL_MESSAGE(c.phrase, c.status, post.status);
            CPPUNIT_ASSERT_MESSAGE(c.phrase, contains(post.body, c.phrase));
        }
        CPPUNIT_ASSERT_EQUAL(std::size_t(5), messages.size());  // one per kind of bad link
        // Without a token parameter at all.
        auth::Response none = pages::reset(test::get("/reset/confirm"), *t.app);
        CPPUNIT_ASSERT_EQUAL(400, none.status);
        // No bad link changed the password.
        CPPUNIT_ASSERT(t.app->hasher.verify(password_hash_of(*t.app, uid), test::kGoodPassword));
    }

    void confirm_bad_link_page_links_to_reset_under_base_path() {
        test::TestApp t("https://auth.example.test/sub");
        auth::Response r = pages::reset(test::get("/reset/confirm", {{"token", auth::random_token(32)}}), *t.app);
        CPPUNIT_ASSERT_EQUAL(404, r.status);
        CPPUNIT_ASSERT(contains(r.body, "href=\"/sub/reset\""));
        CPPUNIT_ASSERT_EQUAL(std::string("no-referrer"), test::header_value(r, "Referrer-Policy"));
    }

    void confirm_post_with_weak_password_is_422_and_keeps_token() {
        test::TestApp t;
        auto uid = test::make_user(*t.app, kEmail, test::kGoodPassword, kName);
        std::string token = t.app->store().reset_tokens().issue(uid);
        Browser b(*t.app);
        auth::Response r = set_password(b, token, "short", "short");
        CPPUNIT_ASSERT_EQUAL(422, r.status);
        CPPUNIT_ASSERT(contains(r.body, "Use at least 12 characters"));
        CPPUNIT_ASSERT(contains(r.body, "name=\"token\" value=\"" + token + "\""));  // the form can be sent again
        CPPUNIT_ASSERT(!contains(r.body, "value=\"short\""));                         // passwords are not echoed
        CPPUNIT_ASSERT_EQUAL(std::string("no-referrer"), test::header_value(r, "Referrer-Policy"));
        CPPUNIT_ASSERT(t.app->store().reset_tokens().check(token).state == auth::TokenState::Valid);
        CPPUNIT_ASSERT(t.app->hasher.verify(password_hash_of(*t.app, uid), test::kGoodPassword));
        // A common password, too.
        r = b.post(pages::reset, "/reset/confirm", {{"token", token}, {"password", "password1234"}, {"password_confirm", "password1234"}});
        CPPUNIT_ASSERT_EQUAL(422, r.status);
        CPPUNIT_ASSERT(t.app->store().reset_tokens().check(token).state == auth::TokenState::Valid);
        // And then a good one works with the same token.
        CPPUNIT_ASSERT_EQUAL(303, set_password(b, token, kNewPassword, kNewPassword).status);
    }

    void confirm_post_with_mismatch_is_422_and_keeps_token() {
        test::TestApp t;
        auto uid = test::make_user(*t.app, kEmail, test::kGoodPassword, kName);
        std::string token = t.app->store().reset_tokens().issue(uid);
        Browser b(*t.app);
        auth::Response r = set_password(b, token, kNewPassword, std::string(kNewPassword) + "!");
        CPPUNIT_ASSERT_EQUAL(422, r.status);
        CPPUNIT_ASSERT(contains(r.body, "The two passwords do not match."));
        CPPUNIT_ASSERT(!contains(r.body, kNewPassword));
        CPPUNIT_ASSERT(t.app->store().reset_tokens().check(token).state == auth::TokenState::Valid);
        CPPUNIT_ASSERT(t.app->hasher.verify(password_hash_of(*t.app, uid), test::kGoodPassword));
    }

    void confirm_post_without_csrf_is_403_and_keeps_token() {
        test::TestApp t;
        auto uid = test::make_user(*t.app, kEmail, test::kGoodPassword, kName);
        std::string token = t.app->store().reset_tokens().issue(uid);
        std::map<std::string, std::string> form = {
            {"token", token}, {"password", kNewPassword}, {"password_confirm", kNewPassword}};
        CPPUNIT_ASSERT_EQUAL(403, pages::reset(test::post("/reset/confirm", form), *t.app).status);
        Browser b(*t.app);
        b.get(pages::reset, "/reset/confirm", {{"token", token}});
        form["csrf_token"] = "wrong";
        CPPUNIT_ASSERT_EQUAL(403, b.post(pages::reset, "/reset/confirm", form).status);
        CPPUNIT_ASSERT(t.app->store().reset_tokens().check(token).state == auth::TokenState::Valid);
        CPPUNIT_ASSERT(t.app->hasher.verify(password_hash_of(*t.app, uid), test::kGoodPassword));
    }

    void confirm_post_success_changes_password() {
        test::TestApp t;
        auto uid = test::make_user(*t.app, kEmail, test::kGoodPassword, kName);
        std::string token = t.app->store().reset_tokens().issue(uid);
        Browser b(*t.app);
        auth::Response r = set_password(b, token, kNewPassword, kNewPassword);
        CPPUNIT_ASSERT_EQUAL(303, r.status);
        CPPUNIT_ASSERT_EQUAL(std::string("http://127.0.0.1:8080/login"), test::header_value(r, "Location"));
        CPPUNIT_ASSERT_EQUAL(std::string("password_reset"), test::set_cookie_value(r, "flash"));
        CPPUNIT_ASSERT_EQUAL(std::string("no-referrer"), test::header_value(r, "Referrer-Policy"));
        std::string hash = password_hash_of(*t.app, uid);
        CPPUNIT_ASSERT(t.app->hasher.verify(hash, kNewPassword));
        CPPUNIT_ASSERT(!t.app->hasher.verify(hash, test::kGoodPassword));
        CPPUNIT_ASSERT(t.app->store().reset_tokens().check(token).state == auth::TokenState::Used);
    }

    void confirm_post_success_ends_every_session_of_the_user() {
        test::TestApp t;
        auto uid = test::make_user(*t.app, kEmail, test::kGoodPassword, kName);
        auto other = test::make_user(*t.app, "grace@example.test", test::kGoodPassword, "Grace Hopper");
        Browser laptop(*t.app), phone(*t.app), grace(*t.app);
        CPPUNIT_ASSERT_EQUAL(303, test::log_in(laptop, kEmail, test::kGoodPassword).status);
        CPPUNIT_ASSERT_EQUAL(303, test::log_in(phone, kEmail, test::kGoodPassword).status);
        CPPUNIT_ASSERT_EQUAL(303, test::log_in(grace, "grace@example.test", test::kGoodPassword).status);
        t.app->store().sessions().create(uid, "192.0.2.1", "stolen");
        CPPUNIT_ASSERT_EQUAL(std::int64_t(3), test::session_count(*t.app, uid));
        std::string token = t.app->store().reset_tokens().issue(uid);
        Browser b(*t.app);
        CPPUNIT_ASSERT_EQUAL(303, set_password(b, token, kNewPassword, kNewPassword).status);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), test::session_count(*t.app, uid));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), test::session_count(*t.app, other));
        // The old cookies open nothing any more; Grace is still logged in.
        CPPUNIT_ASSERT(contains(laptop.get(pages::home, "/").body, "You are not logged in."));
        CPPUNIT_ASSERT(contains(phone.get(pages::home, "/").body, "You are not logged in."));
        CPPUNIT_ASSERT(contains(grace.get(pages::home, "/").body, "You are logged in as"));
    }

    void confirm_post_success_clears_login_throttle() {
        test::TestApp t;
        auto uid = test::make_user(*t.app, kEmail, test::kGoodPassword, kName);
        auth::LoginThrottle throttle(t.app->store().throttle(), *t.clock);
        for (int i = 0; i < 5; ++i) throttle.reserve(kEmail, "192.0.2.1");
        CPPUNIT_ASSERT(throttle.retry_after(kEmail, "192.0.2.99"));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(5), test::login_failures_for(*t.app, kEmail));
        std::string token = t.app->store().reset_tokens().issue(uid);
        Browser b(*t.app);
        CPPUNIT_ASSERT_EQUAL(303, set_password(b, token, kNewPassword, kNewPassword).status);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), test::login_failures_for(*t.app, kEmail));
        CPPUNIT_ASSERT(!throttle.retry_after(kEmail, "192.0.2.99"));
        // And the person can log in at once with the new password.
        CPPUNIT_ASSERT_EQUAL(303, test::log_in(b, kEmail, kNewPassword).status);
    }

    void confirm_post_success_sets_no_session_cookie() {
        test::TestApp t;
        auto uid = test::make_user(*t.app, kEmail, test::kGoodPassword, kName);
        std::string token = t.app->store().reset_tokens().issue(uid);
        Browser b(*t.app);
        auth::Response r = set_password(b, token, kNewPassword, kNewPassword);
        CPPUNIT_ASSERT_EQUAL(303, r.status);
        std::string sid = t.app->cookie_name("sid");
        CPPUNIT_ASSERT(!test::sets_cookie(r, sid));
        for (const auto& [k, v] : r.headers)
            if (k == "Set-Cookie") CPPUNIT_ASSERT_MESSAGE(v, !contains(v, "sid="));
        CPPUNIT_ASSERT(!b.cookies().count(sid));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), test::session_rows(*t.app));
        // The next page shows nobody logged in.
        CPPUNIT_ASSERT(contains(b.get(pages::home, "/").body, "You are not logged in."));
    }

    void confirm_post_success_deletes_a_logged_in_session_cookie() {
        test::TestApp t;
        auto uid = test::make_user(*t.app, kEmail, test::kGoodPassword, kName);
        Browser b(*t.app);
        CPPUNIT_ASSERT_EQUAL(303, test::log_in(b, kEmail, test::kGoodPassword).status);
        std::string sid = t.app->cookie_name("sid");
        CPPUNIT_ASSERT(b.cookies().count(sid));
        std::string token = t.app->store().reset_tokens().issue(uid);
        auth::Response r = set_password(b, token, kNewPassword, kNewPassword);
        CPPUNIT_ASSERT_EQUAL(303, r.status);
        // The dead session cookie is deleted, never given a value.
        CPPUNIT_ASSERT(test::sets_cookie(r, sid));
        CPPUNIT_ASSERT_EQUAL(std::string(), test::set_cookie_value(r, sid));
        CPPUNIT_ASSERT(contains(test::set_cookie_header(r, sid), "Max-Age=0"));
        CPPUNIT_ASSERT(!b.cookies().count(sid));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), test::session_count(*t.app, uid));
        CPPUNIT_ASSERT(contains(b.get(pages::home, "/").body, "You are not logged in."));
    }

    void token_works_once() {
        test::TestApp t;
        auto uid = test::make_user(*t.app, kEmail, test::kGoodPassword, kName);
        std::string token = t.app->store().reset_tokens().issue(uid);
        Browser b(*t.app);
        CPPUNIT_ASSERT_EQUAL(303, set_password(b, token, kNewPassword, kNewPassword).status);
        Browser again(*t.app);
        auth::Response get = again.get(pages::reset, "/reset/confirm", {{"token", token}});
        CPPUNIT_ASSERT_EQUAL(410, get.status);
        CPPUNIT_ASSERT(contains(get.body, "already been used"));
        // A second POST (a form kept open in another tab) cannot set another password.
        again.get(pages::reset, "/reset");
        auth::Response post = again.post(pages::reset, "/reset/confirm",
                                         {{"token", token}, {"password", "another fine passphrase"},
                                          {"password_confirm", "another fine passphrase"}});
        CPPUNIT_ASSERT_EQUAL(410, post.status);
        CPPUNIT_ASSERT(t.app->hasher.verify(password_hash_of(*t.app, uid), kNewPassword));
    }

    // Two requests with one token both pass the check; the one that consumes
    // second must fail (SECURITY attack test 7), not set a second password.
    void token_used_by_a_parallel_request_meanwhile() {
        const char* const kOther = "another fine passphrase";
        auto run = [&](bool race, int fire_at, int& first_in_transaction) {
            test::TempDir dir;
            auto c = std::make_unique<HookClock>();
            HookClock* clock = c.get();
            auth::App app(test::test_config(dir), std::move(c));
            clock->watch = test::db(app).sqlite().handle();
            auto uid = test::make_user(app, kEmail, test::kGoodPassword, kName);
            std::string token = app.store().reset_tokens().issue(uid);
            Browser b(app);
            CPPUNIT_ASSERT_EQUAL(200, b.get(pages::reset, "/reset/confirm", {{"token", token}}).status);
            std::unique_ptr<auth::App> other;
            if (race) {
                other = std::make_unique<auth::App>(test::test_config(dir), std::make_unique<test::ManualClock>());
                clock->hook = [&] {
                    // The parallel request wins: it consumes the token and sets its password.
                    auto consumed = other->store().reset_tokens().consume(token);
                    CPPUNIT_ASSERT(consumed);
                    other->store().users().set_password_hash(consumed->user_id, other->hasher.hash(kOther), other->clock().now());
                };
            }
            clock->calls = 0;
            clock->first_in_transaction = -1;
            clock->fire_at = fire_at;
            auth::Response r = b.post(pages::reset, "/reset/confirm",
                                      {{"token", token}, {"password", kNewPassword}, {"password_confirm", kNewPassword}});
            first_in_transaction = clock->first_in_transaction;
            std::string hash = password_hash_of(app, uid);
            if (!race) {
                CPPUNIT_ASSERT_EQUAL(303, r.status);
                CPPUNIT_ASSERT(app.hasher.verify(hash, kNewPassword));
                return;
            }
            CPPUNIT_ASSERT(clock->fired);
            CPPUNIT_ASSERT_EQUAL(410, r.status);
            CPPUNIT_ASSERT(contains(r.body, "already been used"));
            CPPUNIT_ASSERT(!test::sets_cookie(r, "flash"));
            CPPUNIT_ASSERT(app.hasher.verify(hash, kOther));
            CPPUNIT_ASSERT(!app.hasher.verify(hash, kNewPassword));
        };
        // A dry run finds the first clock reading inside the request's write
        // transaction (where the token is consumed) ...
        int consume_call = -1, ignored = -1;
        run(false, -1, consume_call);
        CPPUNIT_ASSERT(consume_call > 1);
        // ... and the real run lets the other request act just before it.
        run(true, consume_call - 1, ignored);
    }

    void token_expiring_while_the_form_is_open() {
        test::TestApp t;
        auto uid = test::make_user(*t.app, kEmail, test::kGoodPassword, kName);
        std::string token = t.app->store().reset_tokens().issue(uid);
        Browser b(*t.app);
        CPPUNIT_ASSERT_EQUAL(200, b.get(pages::reset, "/reset/confirm", {{"token", token}}).status);
        t.clock->advance(1800);
        auth::Response r =
            b.post(pages::reset, "/reset/confirm", {{"token", token}, {"password", kNewPassword}, {"password_confirm", kNewPassword}});
        CPPUNIT_ASSERT_EQUAL(410, r.status);
        CPPUNIT_ASSERT(contains(r.body, "has expired"));
        CPPUNIT_ASSERT(contains(r.body, "href=\"/reset\""));
        CPPUNIT_ASSERT(t.app->hasher.verify(password_hash_of(*t.app, uid), test::kGoodPassword));
    }

    void token_superseded_while_the_form_is_open() {
        test::TestApp t;
        auto uid = test::make_user(*t.app, kEmail, test::kGoodPassword, kName);
        std::string token = t.app->store().reset_tokens().issue(uid);
        Browser b(*t.app);
        CPPUNIT_ASSERT_EQUAL(200, b.get(pages::reset, "/reset/confirm", {{"token", token}}).status);
        ask_for_link(*t.app, kEmail);  // a newer link is asked for meanwhile
        auth::Response r =
            b.post(pages::reset, "/reset/confirm", {{"token", token}, {"password", kNewPassword}, {"password_confirm", kNewPassword}});
        CPPUNIT_ASSERT_EQUAL(410, r.status);
        CPPUNIT_ASSERT(contains(r.body, "newer reset link"));
        CPPUNIT_ASSERT(t.app->hasher.verify(password_hash_of(*t.app, uid), test::kGoodPassword));
    }

    void token_of_one_user_never_changes_another() {
        test::TestApp t;
        auto ada = test::make_user(*t.app, kEmail, test::kGoodPassword, kName);
        auto grace = test::make_user(*t.app, "grace@example.test", test::kGoodPassword, "Grace Hopper");
        std::string token = t.app->store().reset_tokens().issue(ada);
        // Grace, logged in, opens Ada's link: it is Ada's account that the form names and changes.
        Browser b(*t.app);
        CPPUNIT_ASSERT_EQUAL(303, test::log_in(b, "grace@example.test", test::kGoodPassword).status);
        auth::Response form = b.get(pages::reset, "/reset/confirm", {{"token", token}});
        CPPUNIT_ASSERT_EQUAL(200, form.status);
        CPPUNIT_ASSERT(contains(form.body, kEmail));
        CPPUNIT_ASSERT(!contains(form.body, "grace@example.test\">"));
        CPPUNIT_ASSERT_EQUAL(303, b.post(pages::reset, "/reset/confirm",
                                         {{"token", token}, {"password", kNewPassword}, {"password_confirm", kNewPassword}})
                                      .status);
        CPPUNIT_ASSERT(t.app->hasher.verify(password_hash_of(*t.app, ada), kNewPassword));
        CPPUNIT_ASSERT(t.app->hasher.verify(password_hash_of(*t.app, grace), test::kGoodPassword));
        CPPUNIT_ASSERT(!t.app->hasher.verify(password_hash_of(*t.app, grace), kNewPassword));
    }

    // SECURITY 2.5.6: a link mailed before a password change must not undo it.
    void password_change_voids_a_mailed_token() {
        test::TestApp t;
        auto uid = test::make_user(*t.app, kEmail, test::kGoodPassword, kName);
        std::string token = t.app->store().reset_tokens().issue(uid);
        Browser b(*t.app);
        CPPUNIT_ASSERT_EQUAL(303, test::log_in(b, kEmail, test::kGoodPassword).status);
        b.get(pages::profile, "/profile");
        auth::Response changed = b.post(pages::profile, "/profile/password",
                                        {{"current_password", test::kGoodPassword},
                                         {"new_password", kNewPassword},
                                         {"new_password_confirm", kNewPassword}});
        CPPUNIT_ASSERT_EQUAL(303, changed.status);
        CPPUNIT_ASSERT(t.app->store().reset_tokens().check(token).state != auth::TokenState::Valid);
        Browser other(*t.app);
        auth::Response r = set_password(other, token, "another fine passphrase", "another fine passphrase");
        CPPUNIT_ASSERT_EQUAL(410, r.status);
        CPPUNIT_ASSERT(t.app->hasher.verify(password_hash_of(*t.app, uid), kNewPassword));
    }

    void login_page_after_reset_shows_the_message() {
        test::TestApp t;
        auto uid = test::make_user(*t.app, kEmail, test::kGoodPassword, kName);
        std::string token = t.app->store().reset_tokens().issue(uid);
        Browser b(*t.app);
        CPPUNIT_ASSERT_EQUAL(303, set_password(b, token, kNewPassword, kNewPassword).status);
        auth::Response login = b.get(pages::login, "/login");
        CPPUNIT_ASSERT_EQUAL(200, login.status);
        CPPUNIT_ASSERT(contains(login.body, "Your password has been changed. Log in with the new one."));
        // Shown once.
        CPPUNIT_ASSERT(!contains(b.get(pages::login, "/login").body, "Your password has been changed"));
        // The old password no longer logs in; the new one does.
        Browser old(*t.app);
        CPPUNIT_ASSERT(test::log_in(old, kEmail, test::kGoodPassword).status != 303);
        CPPUNIT_ASSERT_EQUAL(303, test::log_in(b, kEmail, kNewPassword).status);
    }

    void whole_flow_through_the_mail() {
        const std::string base = "https://auth.example.test/sub";
        test::TestApp t(base);
        auto uid = test::make_user(*t.app, kEmail, test::kGoodPassword, kName);
        Browser b(*t.app);
        CPPUNIT_ASSERT_EQUAL(200, b.get(pages::reset, "/reset").status);
        CPPUNIT_ASSERT_EQUAL(200, b.post(pages::reset, "/reset", {{"email", kEmail}}).status);
        t.deliver();
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), t.mailer->sent.size());
        std::string token = token_in_mail(t.mailer->sent[0].message, base);
        CPPUNIT_ASSERT_EQUAL(std::size_t(43), token.size());
        auth::Response form = b.get(pages::reset, "/reset/confirm", {{"token", token}});
        CPPUNIT_ASSERT_EQUAL(200, form.status);
        CPPUNIT_ASSERT(contains(form.body, "action=\"/sub/reset/confirm\""));
        auth::Response done =
            b.post(pages::reset, "/reset/confirm", {{"token", token}, {"password", kNewPassword}, {"password_confirm", kNewPassword}});
        CPPUNIT_ASSERT_EQUAL(303, done.status);
        CPPUNIT_ASSERT_EQUAL(base + "/login", test::header_value(done, "Location"));
        CPPUNIT_ASSERT(!test::sets_cookie(done, t.app->cookie_name("sid")));
        CPPUNIT_ASSERT(t.app->hasher.verify(password_hash_of(*t.app, uid), kNewPassword));
        CPPUNIT_ASSERT(contains(b.get(pages::login, "/login").body, "Your password has been changed."));
        CPPUNIT_ASSERT_EQUAL(410, b.get(pages::reset, "/reset/confirm", {{"token", token}}).status);
    }

    void token_is_never_logged() {
        test::TestApp t;
        test::make_user(*t.app, kEmail, test::kGoodPassword, kName);
        test::CaptureStderr log;
        ask_for_link(*t.app, kEmail);
        t.deliver();
        std::string token = token_in_mail(t.mailer->sent.at(0).message, "http://127.0.0.1:8080");
        CPPUNIT_ASSERT_EQUAL(std::size_t(43), token.size());
        Browser b(*t.app);
        set_password(b, token, "short", "short");
        set_password(b, token, kNewPassword, kNewPassword);
        b.get(pages::reset, "/reset/confirm", {{"token", token}});
        CPPUNIT_ASSERT(!log.text().empty());
        CPPUNIT_ASSERT(!contains(log.text(), token));
        CPPUNIT_ASSERT(!contains(log.text(), kNewPassword));
    }

    void other_methods_and_paths() {
        test::TestApp t;
        auth::Request put = test::get("/reset");
        put.method = "PUT";
        CPPUNIT_ASSERT_EQUAL(405, pages::reset(put, *t.app).status);
        put.path = "/reset/confirm";
        CPPUNIT_ASSERT_EQUAL(405, pages::reset(put, *t.app).status);
        CPPUNIT_ASSERT_EQUAL(404, pages::reset(test::get("/reset/other"), *t.app).status);
        auth::Request head = test::get("/reset");
        head.method = "HEAD";
        CPPUNIT_ASSERT_EQUAL(200, pages::reset(head, *t.app).status);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(ResetPageTest);

}  // namespace
