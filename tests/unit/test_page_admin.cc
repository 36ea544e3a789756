// Tests for the admin area (pages::admin): who gets in (only a REMOTE_USER
// the server set, listed in ADMIN_USERS; never from a header, never
// REDIRECT_REMOTE_USER), the 404 for everyone else, no-store and noindex,
// the CSRF token on every form, and each page and action.
#include <cppunit/extensions/HelperMacros.h>

#include <string>
#include <vector>

#include "pages/pages.hh"
#include "web/app.hh"
#include "web/request_parser.hh"
#include "support.hh"

using test::Browser;
using test::contains;

namespace {

auth::Request parsed(const auth::CgiEnv& extra) {
    auth::CgiEnv env{{"REQUEST_METHOD", "GET"}, {"REQUEST_URI", "/admin"}, {"REMOTE_ADDR", "203.0.113.9"}};
    for (const auto& [k, v] : extra) env[k] = v;
    return auth::parse_request(env, [](std::size_t) { return std::string(); }, "");
}

}  // namespace

class PageAdminTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(PageAdminTest);
    CPPUNIT_TEST(remote_user_comes_only_from_the_server);
    CPPUNIT_TEST(fastcgi_copies_remote_user_but_no_header);
    CPPUNIT_TEST(not_found_without_remote_user);
    CPPUNIT_TEST(not_found_for_an_unlisted_name);
    CPPUNIT_TEST(off_when_admin_users_is_empty);
    CPPUNIT_TEST(a_listed_admin_gets_in_without_being_indexed_or_kept);
    CPPUNIT_TEST(find_lists_matching_accounts_escaped);
    CPPUNIT_TEST(the_account_page_shows_its_state);
    CPPUNIT_TEST(an_unknown_account_is_a_404);
    CPPUNIT_TEST(actions_need_the_csrf_token);
    CPPUNIT_TEST(lock_and_unlock_from_the_page);
    CPPUNIT_TEST(end_sessions_and_reset_from_the_page);
    CPPUNIT_TEST(the_event_log_filters);
    CPPUNIT_TEST(the_mail_queue_and_retry);
    CPPUNIT_TEST(delete_needs_the_address_typed_again);
    CPPUNIT_TEST_SUITE_END();

public:
    void setUp() override {
        t_ = std::make_unique<test::TestApp>("http://127.0.0.1:8080",
                                             [](auth::Config& c) { c.admin_users = {"alice", "bob"}; });
        admin_ = std::make_unique<Browser>(app());
        admin_->remote_user = "alice";
    }
    void tearDown() override {
        admin_.reset();
        t_.reset();
    }
    auth::App& app() { return *t_->app; }
    Browser& admin() { return *admin_; }

    void remote_user_comes_only_from_the_server() {
        CPPUNIT_ASSERT_EQUAL(std::string("alice"), parsed({{"REMOTE_USER", "alice"}, {"AUTH_TYPE", "Basic"}}).remote_user);
        // Headers arrive as HTTP_*: never the server's REMOTE_USER.
        CPPUNIT_ASSERT_EQUAL(std::string(), parsed({{"HTTP_REMOTE_USER", "alice"}, {"AUTH_TYPE", "Basic"}}).remote_user);
        CPPUNIT_ASSERT_EQUAL(std::string(), parsed({{"HTTP_X_REMOTE_USER", "alice"}}).remote_user);
        // An internal redirect to a program that was not itself authenticated.
        CPPUNIT_ASSERT_EQUAL(std::string(), parsed({{"REDIRECT_REMOTE_USER", "alice"}, {"AUTH_TYPE", "Basic"}}).remote_user);
        // A REMOTE_USER without the AUTH_TYPE the server sets with it.
        CPPUNIT_ASSERT_EQUAL(std::string(), parsed({{"REMOTE_USER", "alice"}}).remote_user);
    }

    // The same rule on a FastCGI request's own "NAME=value" strings, as the
    // serve loop reads them (CgiVariables): of a name sent twice the first
    // counts.
    void fastcgi_copies_remote_user_but_no_header() {
        auto remote_user = [](std::initializer_list<const char*> variables) {
            std::vector<const char*> envp{"REQUEST_METHOD=GET", "REQUEST_URI=/admin"};
            envp.insert(envp.end(), variables);
            envp.push_back(nullptr);
            auto unused = [](std::size_t) { return std::string(); };
            return auth::parse_request(auth::CgiVariables(envp.data()), unused, "",
                                       [](const std::string&) { return auth::kDefaultMaxBody; })
                .remote_user;
        };
        CPPUNIT_ASSERT_EQUAL(std::string("alice"), remote_user({"REMOTE_USER=alice", "AUTH_TYPE=Basic"}));
        CPPUNIT_ASSERT_EQUAL(std::string(), remote_user({"HTTP_REMOTE_USER=alice", "AUTH_TYPE=Basic"}));
        CPPUNIT_ASSERT_EQUAL(std::string(), remote_user({"HTTP_X_REMOTE_USER=alice", "AUTH_TYPE=Basic"}));
        CPPUNIT_ASSERT_EQUAL(std::string(), remote_user({"REDIRECT_REMOTE_USER=alice", "AUTH_TYPE=Basic"}));
        CPPUNIT_ASSERT_EQUAL(std::string(), remote_user({"REMOTE_USER=alice"}));
        CPPUNIT_ASSERT_EQUAL(std::string(), remote_user({"REMOTE_USER=alice", "AUTH_TYPE=", "AUTH_TYPE=Basic"}));
    }

    void not_found_without_remote_user() {
        Browser b(app());
        test::CaptureStderr err;
        for (const char* path : {"/admin", "/admin/user", "/admin/events", "/admin/mail"}) {
            auth::Response r = b.get(pages::admin, path, {{"id", "1"}});
            CPPUNIT_ASSERT_EQUAL(404, r.status);
            CPPUNIT_ASSERT(!contains(r.body, "Admin"));
        }
        // A POST too, before its method or its CSRF token is looked at.
        std::int64_t id = test::make_user(app(), "ada@example.com", test::kGoodPassword);
        CPPUNIT_ASSERT_EQUAL(404, b.post(pages::admin, "/admin/user/lock", {{"id", std::to_string(id)}}).status);
        CPPUNIT_ASSERT_EQUAL(404, b.post(pages::admin, "/admin", {}).status);
        CPPUNIT_ASSERT(!app().store().users().find_by_id(id)->locked());
        CPPUNIT_ASSERT(contains(err.text(), "admin area refused: no REMOTE_USER"));
    }

    void not_found_for_an_unlisted_name() {
        Browser b(app());
        b.remote_user = "mallory";
        CPPUNIT_ASSERT_EQUAL(404, b.get(pages::admin, "/admin").status);
        b.remote_user = "ALICE";  // names are compared exactly
        CPPUNIT_ASSERT_EQUAL(404, b.get(pages::admin, "/admin").status);
        b.remote_user = "alice ";
        CPPUNIT_ASSERT_EQUAL(404, b.get(pages::admin, "/admin").status);
    }

    void off_when_admin_users_is_empty() {
        test::TestApp other;
        CPPUNIT_ASSERT(other.app->config().admin_users.empty());
        Browser b(*other.app);
        b.remote_user = "alice";
        CPPUNIT_ASSERT_EQUAL(404, b.get(pages::admin, "/admin").status);
    }

    void a_listed_admin_gets_in_without_being_indexed_or_kept() {
        for (const char* path : {"/admin", "/admin/events", "/admin/mail"}) {
            auth::Response r = admin().get(pages::admin, path);
            CPPUNIT_ASSERT_EQUAL(200, r.status);
            CPPUNIT_ASSERT_EQUAL(std::string("no-store"), test::header_value(r, "Cache-Control"));
            CPPUNIT_ASSERT_EQUAL(std::string("noindex"), test::header_value(r, "X-Robots-Tag"));
            CPPUNIT_ASSERT(contains(r.body, "<meta name=\"robots\" content=\"noindex\">"));
            CPPUNIT_ASSERT(contains(r.body, "<strong>alice</strong>"));
        }
        Browser b(app());
        b.remote_user = "bob";
        CPPUNIT_ASSERT_EQUAL(200, b.get(pages::admin, "/admin").status);
        // The site's other pages are indexed as before.
        CPPUNIT_ASSERT(!contains(admin().get(pages::login, "/login").body, "noindex"));
    }

    void find_lists_matching_accounts_escaped() {
        std::int64_t id = test::make_user(app(), "ada@example.com", test::kGoodPassword, "Ada <b>Lovelace</b>");
        test::make_user(app(), "grace@example.org", test::kGoodPassword, "Grace");
        auth::Response r = admin().get(pages::admin, "/admin", {{"q", "lovelace"}});
        CPPUNIT_ASSERT_EQUAL(200, r.status);
        CPPUNIT_ASSERT(contains(r.body, "/admin/user?id=" + std::to_string(id)));
        CPPUNIT_ASSERT(contains(r.body, "Ada &lt;b&gt;Lovelace&lt;/b&gt;"));
        CPPUNIT_ASSERT(!contains(r.body, "grace@example.org"));
        auth::Response none = admin().get(pages::admin, "/admin", {{"q", "<nobody>"}});
        CPPUNIT_ASSERT(contains(none.body, "No account matches"));
        CPPUNIT_ASSERT(contains(none.body, "&lt;nobody&gt;"));
    }

    void the_account_page_shows_its_state() {
        std::int64_t id = test::make_user(app(), "ada@example.com", test::kGoodPassword, "Ada");
        Browser ada(app());
        test::log_in(ada, "ada@example.com", test::kGoodPassword);
        auth::Response r = admin().get(pages::admin, "/admin/user", {{"id", std::to_string(id)}});
        CPPUNIT_ASSERT_EQUAL(200, r.status);
        CPPUNIT_ASSERT(contains(r.body, "ada@example.com"));
        CPPUNIT_ASSERT(contains(r.body, "<dt>Two-step login</dt><dd>off</dd>"));
        CPPUNIT_ASSERT(contains(r.body, "<dt>Sessions</dt><dd>1</dd>"));
        CPPUNIT_ASSERT(contains(r.body, "<dt>Locked</dt><dd>no</dd>"));
        CPPUNIT_ASSERT(!contains(r.body, "<dt>Last login</dt><dd>none kept</dd>"));
        CPPUNIT_ASSERT(contains(r.body, "action=\"/admin/user/lock\""));
        CPPUNIT_ASSERT(!contains(r.body, "action=\"/admin/user/two-factor-off\""));  // not on
        CPPUNIT_ASSERT(!contains(r.body, "password_hash"));
    }

    void an_unknown_account_is_a_404() {
        CPPUNIT_ASSERT_EQUAL(404, admin().get(pages::admin, "/admin/user", {{"id", "999"}}).status);
        CPPUNIT_ASSERT_EQUAL(404, admin().get(pages::admin, "/admin/user", {{"id", "x1"}}).status);
        CPPUNIT_ASSERT_EQUAL(404, admin().get(pages::admin, "/admin/user").status);
        std::int64_t id = test::make_user(app(), "ada@example.com", test::kGoodPassword);
        admin().get(pages::admin, "/admin/user", {{"id", std::to_string(id)}});  // a form, and its token
        CPPUNIT_ASSERT_EQUAL(404, admin().post(pages::admin, "/admin/user/lock", {{"id", "999"}}).status);
    }

    void actions_need_the_csrf_token() {
        std::int64_t id = test::make_user(app(), "ada@example.com", test::kGoodPassword);
        admin().get(pages::admin, "/admin/user", {{"id", std::to_string(id)}});
        for (const char* path : {"/admin/user/lock", "/admin/user/logout", "/admin/user/reset", "/admin/mail/retry"}) {
            auth::Response r = admin().post(pages::admin, path, {{"id", std::to_string(id)}, {"csrf_token", "forged"}});
            CPPUNIT_ASSERT_EQUAL(403, r.status);
        }
        CPPUNIT_ASSERT(!app().store().users().find_by_id(id)->locked());
        CPPUNIT_ASSERT_EQUAL(std::int64_t{0}, test::queued_mails(app()));
    }

    void lock_and_unlock_from_the_page() {
        std::int64_t id = test::make_user(app(), "ada@example.com", test::kGoodPassword);
        Browser ada(app());
        test::log_in(ada, "ada@example.com", test::kGoodPassword);
        admin().get(pages::admin, "/admin/user", {{"id", std::to_string(id)}});
        auth::Response r = admin().post(pages::admin, "/admin/user/lock", {{"id", std::to_string(id)}});
        CPPUNIT_ASSERT_EQUAL(303, r.status);
        CPPUNIT_ASSERT(contains(test::header_value(r, "Location"), "/admin/user?id=" + std::to_string(id)));
        CPPUNIT_ASSERT(app().store().users().find_by_id(id)->locked());
        CPPUNIT_ASSERT_EQUAL(std::int64_t{0}, test::session_count(app(), id));
        auth::Response page = admin().get(pages::admin, "/admin/user", {{"id", std::to_string(id)}});
        CPPUNIT_ASSERT(contains(page.body, "The account is locked and its sessions have ended."));
        CPPUNIT_ASSERT(contains(page.body, "locked since"));
        CPPUNIT_ASSERT(contains(page.body, "action=\"/admin/user/unlock\""));
        CPPUNIT_ASSERT_EQUAL(403, test::log_in(ada, "ada@example.com", test::kGoodPassword).status);

        auth::EventFilter f;
        f.user_id = id;
        f.name = "account.locked";
        CPPUNIT_ASSERT_EQUAL(std::string("alice"), app().accounts.events().query(f).at(0).actor);

        CPPUNIT_ASSERT_EQUAL(303, admin().post(pages::admin, "/admin/user/unlock", {{"id", std::to_string(id)}}).status);
        CPPUNIT_ASSERT(!app().store().users().find_by_id(id)->locked());
        CPPUNIT_ASSERT_EQUAL(303, test::log_in(ada, "ada@example.com", test::kGoodPassword).status);
    }

    void end_sessions_and_reset_from_the_page() {
        std::int64_t id = test::make_user(app(), "ada@example.com", test::kGoodPassword);
        Browser ada(app());
        test::log_in(ada, "ada@example.com", test::kGoodPassword);
        admin().get(pages::admin, "/admin/user", {{"id", std::to_string(id)}});
        CPPUNIT_ASSERT_EQUAL(303, admin().post(pages::admin, "/admin/user/logout", {{"id", std::to_string(id)}}).status);
        CPPUNIT_ASSERT_EQUAL(std::int64_t{0}, test::session_count(app(), id));
        auth::Response r = admin().post(pages::admin, "/admin/user/reset", {{"id", std::to_string(id)}});
        CPPUNIT_ASSERT_EQUAL(303, r.status);
        CPPUNIT_ASSERT_EQUAL(1, t_->deliver());
        CPPUNIT_ASSERT(contains(t_->mailer->sent.back().message, "/reset/confirm?token="));
    }

    void the_event_log_filters() {
        std::int64_t id = test::make_user(app(), "ada@example.com", test::kGoodPassword);
        Browser ada(app());
        test::log_in(ada, "ada@example.com", test::kGoodPassword);
        test::log_in(ada, "ada@example.com", "a wrong password here");
        auth::Response all = admin().get(pages::admin, "/admin/events");
        CPPUNIT_ASSERT(contains(all.body, "<td>login</td><td>ok</td>"));
        CPPUNIT_ASSERT(contains(all.body, "<td>login</td><td>failed</td>"));
        auth::Response failed = admin().get(pages::admin, "/admin/events",
                                            {{"user", std::to_string(id)}, {"outcome", "failed"}, {"days", "1"}});
        CPPUNIT_ASSERT(contains(failed.body, "<td>login</td><td>failed</td>"));
        CPPUNIT_ASSERT(!contains(failed.body, "<td>login</td><td>ok</td>"));
        CPPUNIT_ASSERT(contains(failed.body, "<option selected>failed</option>"));
        auth::Response other = admin().get(pages::admin, "/admin/events", {{"user", std::to_string(id + 1)}});
        CPPUNIT_ASSERT(contains(other.body, "No event matches."));
        // Something that is not an outcome filters nothing and is not echoed.
        auth::Response bad = admin().get(pages::admin, "/admin/events", {{"outcome", "<x>"}, {"name", "<x>"}});
        CPPUNIT_ASSERT_EQUAL(200, bad.status);
        CPPUNIT_ASSERT(!contains(bad.body, "<x>"));
    }

    void the_mail_queue_and_retry() {
        std::int64_t id = test::make_user(app(), "ada@example.com", test::kGoodPassword);
        auth::Response empty = admin().get(pages::admin, "/admin/mail");
        CPPUNIT_ASSERT(contains(empty.body, "Nothing waits."));
        app().accounts.send_reset_link(id, {"", "", "Req1"}, "alice");
        t_->mailer->fail = true;
        t_->deliver();
        auth::Response queue = admin().get(pages::admin, "/admin/mail");
        CPPUNIT_ASSERT(contains(queue.body, "0 waiting, 1 failed."));
        CPPUNIT_ASSERT(contains(queue.body, "ada@example.com"));
        CPPUNIT_ASSERT(contains(queue.body, "action=\"/admin/mail/retry\""));
        auth::Response r = admin().post(pages::admin, "/admin/mail/retry", {});
        CPPUNIT_ASSERT_EQUAL(303, r.status);
        CPPUNIT_ASSERT(r.deliver_mail);
        t_->mailer->fail = false;
        CPPUNIT_ASSERT_EQUAL(1, t_->deliver());
    }

    void delete_needs_the_address_typed_again() {
        std::int64_t id = test::make_user(app(), "ada@example.com", test::kGoodPassword);
        std::string sid = std::to_string(id);
        admin().get(pages::admin, "/admin/user", {{"id", sid}});
        for (const char* typed : {"", "grace@example.com", "not an address"}) {
            auth::Response r = admin().post(pages::admin, "/admin/user/delete", {{"id", sid}, {"confirm_email", typed}});
            CPPUNIT_ASSERT_EQUAL(422, r.status);
            CPPUNIT_ASSERT(contains(r.body, "Type the account&#39;s address to delete it."));
            CPPUNIT_ASSERT(contains(r.body, "aria-invalid=\"true\""));
            CPPUNIT_ASSERT(app().store().users().find_by_id(id));
        }
        auth::Response r = admin().post(pages::admin, "/admin/user/delete", {{"id", sid}, {"confirm_email", "ADA@example.com"}});
        CPPUNIT_ASSERT_EQUAL(303, r.status);
        CPPUNIT_ASSERT(r.deliver_mail);
        CPPUNIT_ASSERT(!app().store().users().find_by_id(id));
        CPPUNIT_ASSERT(contains(admin().get(pages::admin, "/admin").body, "The account has been deleted."));
        CPPUNIT_ASSERT_EQUAL(404, admin().get(pages::admin, "/admin/user", {{"id", sid}}).status);
        auth::EventFilter f;
        f.name = "account.deleted";
        CPPUNIT_ASSERT_EQUAL(std::string("alice"), app().accounts.events().query(f).at(0).actor);
    }

private:
    std::unique_ptr<test::TestApp> t_;
    std::unique_ptr<Browser> admin_;
};

CPPUNIT_TEST_SUITE_REGISTRATION(PageAdminTest);
