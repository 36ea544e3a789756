// Tests for the account service's administration (account/admin.cc): find,
// the summary, lock (login refused after the right password, sessions and
// pending logins gone, no session accepted), unlock, ending sessions, a
// reset link, two-step login off, the mail queue and its retry; every
// change an event naming the administrator.
#include <cppunit/extensions/HelperMacros.h>

#include <string>

#include "account/accounts.hh"
#include "pages/pages.hh"
#include "store/sqlite/db.hh"
#include "web/app.hh"
#include "support.hh"

namespace {

const auth::Client kShell{"", "", "Req00042"};
const char* const kAdmin = "alice";

// The newest event of the account with this name.
std::optional<auth::Event> last_event(auth::App& app, std::int64_t user_id, const std::string& name) {
    auth::EventFilter f;
    f.user_id = user_id;
    f.name = name;
    f.limit = 1;
    auto rows = app.accounts.events().query(f);
    if (rows.empty()) return std::nullopt;
    return rows.front();
}

}  // namespace

class AdminTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(AdminTest);
    CPPUNIT_TEST(find_matches_address_and_name_parts);
    CPPUNIT_TEST(find_takes_wildcards_literally);
    CPPUNIT_TEST(summary_tells_confirmed_sessions_last_login);
    CPPUNIT_TEST(lock_ends_sessions_and_refuses_login);
    CPPUNIT_TEST(a_locked_account_says_so_only_after_the_right_password);
    CPPUNIT_TEST(a_session_of_a_locked_account_is_refused);
    CPPUNIT_TEST(lock_voids_a_pending_code_step);
    CPPUNIT_TEST(lock_twice_and_unknown_accounts);
    CPPUNIT_TEST(unlock_lets_it_log_in_again);
    CPPUNIT_TEST(lock_and_unlock_each_mail_the_owner_a_notice);
    CPPUNIT_TEST(end_sessions_ends_every_session);
    CPPUNIT_TEST(reset_link_is_mailed_and_works);
    CPPUNIT_TEST(reset_link_respects_mail_max_per_hour);
    CPPUNIT_TEST(two_factor_off_when_not_on_is_unchanged);
    CPPUNIT_TEST(mail_queue_and_retry);
    CPPUNIT_TEST(delete_removes_the_account_and_names_the_admin);
    CPPUNIT_TEST_SUITE_END();

public:
    void setUp() override { t_ = std::make_unique<test::TestApp>(); }
    void tearDown() override { t_.reset(); }

    auth::App& app() { return *t_->app; }

    void find_matches_address_and_name_parts() {
        test::make_user(app(), "ada@example.com", test::kGoodPassword, "Ada Lovelace");
        test::make_user(app(), "grace@example.org", test::kGoodPassword, "Grace Hopper");
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, app().accounts.find_accounts("LOVELACE").size());
        CPPUNIT_ASSERT_EQUAL(std::string("grace@example.org"), app().accounts.find_accounts("example.org").front().email);
        CPPUNIT_ASSERT_EQUAL(std::size_t{2}, app().accounts.find_accounts("example").size());
        CPPUNIT_ASSERT(app().accounts.find_accounts("nobody").empty());
    }

    void find_takes_wildcards_literally() {
        test::make_user(app(), "ada@example.com", test::kGoodPassword, "Ada");
        CPPUNIT_ASSERT(app().accounts.find_accounts("%").empty());
        CPPUNIT_ASSERT(app().accounts.find_accounts("a_a").empty());
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, app().accounts.find_accounts("ada@").size());
    }

    void summary_tells_confirmed_sessions_last_login() {
        std::int64_t id = test::make_user(app(), "ada@example.com", test::kGoodPassword);
        auto before = app().accounts.account_summary(id);
        CPPUNIT_ASSERT(before);
        CPPUNIT_ASSERT(!before->last_login);
        CPPUNIT_ASSERT(before->sessions.empty());
        CPPUNIT_ASSERT(!before->two_factor);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), before->passkeys.value_or(-1));  // none added
        CPPUNIT_ASSERT(!before->user.locked());
        test::Browser b(app());
        CPPUNIT_ASSERT_EQUAL(303, test::log_in(b, "ada@example.com", test::kGoodPassword).status);
        auto after = app().accounts.account_summary(id);
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, after->sessions.size());
        CPPUNIT_ASSERT(after->last_login);
        CPPUNIT_ASSERT_EQUAL(t_->clock->now(), *after->last_login);
        CPPUNIT_ASSERT(!app().accounts.account_summary(id + 1000));
    }

    void lock_ends_sessions_and_refuses_login() {
        std::int64_t id = test::make_user(app(), "ada@example.com", test::kGoodPassword);
        test::Browser b(app());
        CPPUNIT_ASSERT_EQUAL(303, test::log_in(b, "ada@example.com", test::kGoodPassword).status);
        CPPUNIT_ASSERT_EQUAL(std::int64_t{1}, test::session_count(app(), id));

        CPPUNIT_ASSERT(auth::AdminResult::Done == app().accounts.lock_account(id, kShell, kAdmin));
        CPPUNIT_ASSERT_EQUAL(std::int64_t{0}, test::session_count(app(), id));
        CPPUNIT_ASSERT(app().store().users().find_by_id(id)->locked());
        CPPUNIT_ASSERT_EQUAL(303, b.get(pages::profile, "/profile").status);  // to the login page

        auth::LoginOutcome login = app().accounts.log_in("ada@example.com", test::kGoodPassword, kShell);
        CPPUNIT_ASSERT(login.result == auth::LoginResult::Locked);
        CPPUNIT_ASSERT(login.session_token.empty());
        CPPUNIT_ASSERT_EQUAL(std::int64_t{0}, test::session_count(app(), id));

        auto event = last_event(app(), id, "account.locked");
        CPPUNIT_ASSERT(event);
        CPPUNIT_ASSERT_EQUAL(std::string(kAdmin), event->actor);
        CPPUNIT_ASSERT_EQUAL(std::string("ok"), event->outcome);
        auto refused = last_event(app(), id, "login");
        CPPUNIT_ASSERT_EQUAL(std::string("refused"), refused->outcome);
        CPPUNIT_ASSERT_EQUAL(std::string("the account is locked"), refused->detail);
    }

    void a_locked_account_says_so_only_after_the_right_password() {
        std::int64_t id = test::make_user(app(), "ada@example.com", test::kGoodPassword);
        app().accounts.lock_account(id, kShell, kAdmin);
        auto wrong = app().accounts.log_in("ada@example.com", "not the password at all", kShell);
        CPPUNIT_ASSERT(wrong.result == auth::LoginResult::Refused);

        test::Browser b(app());
        auth::Response r = test::log_in(b, "ada@example.com", test::kGoodPassword);
        CPPUNIT_ASSERT_EQUAL(403, r.status);
        CPPUNIT_ASSERT(test::contains(r.body, "This account is locked"));
        CPPUNIT_ASSERT(!test::sets_cookie(r, app().cookie_name("sid")));
        auth::Response w = test::log_in(b, "ada@example.com", "not the password at all");
        CPPUNIT_ASSERT_EQUAL(401, w.status);
        CPPUNIT_ASSERT(!test::contains(w.body, "locked"));
    }

    void a_session_of_a_locked_account_is_refused() {
        // Even a session row made behind the service's back (a login that
        // raced the lock) opens nothing while the account is locked.
        std::int64_t id = test::make_user(app(), "ada@example.com", test::kGoodPassword);
        app().accounts.lock_account(id, kShell, kAdmin);
        std::string token = app().store().sessions().create(id, "203.0.113.9", "test");
        CPPUNIT_ASSERT(!app().accounts.identify(token));
        CPPUNIT_ASSERT_EQUAL(std::int64_t{0}, test::session_count(app(), id));  // and deleted
    }

    void lock_voids_a_pending_code_step() {
        std::int64_t id = test::make_user(app(), "ada@example.com", test::kGoodPassword);
        auth::User user = *app().store().users().find_by_id(id);
        std::int64_t epoch = user.session_epoch;
        app().accounts.lock_account(id, kShell, kAdmin);
        // The epoch a pending login (and a login checked meanwhile) was made with is gone.
        CPPUNIT_ASSERT(app().store().users().find_by_id(id)->session_epoch > epoch);
    }

    void lock_twice_and_unknown_accounts() {
        std::int64_t id = test::make_user(app(), "ada@example.com", test::kGoodPassword);
        CPPUNIT_ASSERT(auth::AdminResult::Done == app().accounts.lock_account(id, kShell, kAdmin));
        CPPUNIT_ASSERT(auth::AdminResult::Unchanged == app().accounts.lock_account(id, kShell, kAdmin));
        CPPUNIT_ASSERT(auth::AdminResult::NotFound == app().accounts.lock_account(id + 1, kShell, kAdmin));
        CPPUNIT_ASSERT(auth::AdminResult::NotFound == app().accounts.unlock_account(id + 1, kShell, kAdmin));
        CPPUNIT_ASSERT(auth::AdminResult::NotFound == app().accounts.end_sessions(id + 1, kShell, kAdmin));
        CPPUNIT_ASSERT(auth::AdminResult::NotFound == app().accounts.send_reset_link(id + 1, kShell, kAdmin));
        CPPUNIT_ASSERT(auth::AdminResult::NotFound == app().accounts.turn_off_two_factor_of(id + 1, kShell, kAdmin));
    }

    void unlock_lets_it_log_in_again() {
        std::int64_t id = test::make_user(app(), "ada@example.com", test::kGoodPassword);
        CPPUNIT_ASSERT(auth::AdminResult::Unchanged == app().accounts.unlock_account(id, kShell, kAdmin));
        app().accounts.lock_account(id, kShell, kAdmin);
        CPPUNIT_ASSERT(auth::AdminResult::Done == app().accounts.unlock_account(id, kShell, kAdmin));
        CPPUNIT_ASSERT(!app().store().users().find_by_id(id)->locked());
        auto login = app().accounts.log_in("ada@example.com", test::kGoodPassword, kShell);
        CPPUNIT_ASSERT(login.result == auth::LoginResult::LoggedIn);
        CPPUNIT_ASSERT(app().accounts.identify(login.session_token));
        CPPUNIT_ASSERT_EQUAL(std::string(kAdmin), last_event(app(), id, "account.unlocked")->actor);
    }

    void lock_and_unlock_each_mail_the_owner_a_notice() {
        std::int64_t id = test::make_user(app(), "ada@example.com", test::kGoodPassword);
        t_->deliver();
        t_->mailer->sent.clear();
        const auth::Client admin{"198.51.100.77", "", "Req00043"};
        app().accounts.lock_account(id, admin, kAdmin);
        CPPUNIT_ASSERT_EQUAL(1, t_->deliver());
        const auto& locked = t_->mailer->sent.back();
        CPPUNIT_ASSERT_EQUAL(std::string("ada@example.com"), locked.to);
        CPPUNIT_ASSERT(test::contains(locked.message, "Subject: Your account was locked"));
        CPPUNIT_ASSERT(test::contains(locked.message, "every session of it was ended"));
        // Not where the administrator was, nor who.
        CPPUNIT_ASSERT(!test::contains(locked.message, "198.51.100.77"));
        CPPUNIT_ASSERT(!test::contains(locked.message, kAdmin));
        CPPUNIT_ASSERT(!test::contains(locked.message, "From the address"));
        // Locking again changes nothing and mails nothing.
        app().accounts.lock_account(id, admin, kAdmin);
        CPPUNIT_ASSERT_EQUAL(0, t_->deliver());

        app().accounts.unlock_account(id, admin, kAdmin);
        CPPUNIT_ASSERT_EQUAL(1, t_->deliver());
        CPPUNIT_ASSERT(test::contains(t_->mailer->sent.back().message, "Subject: Your account was unlocked"));
        CPPUNIT_ASSERT(!test::contains(t_->mailer->sent.back().message, "198.51.100.77"));
    }

    void end_sessions_ends_every_session() {
        std::int64_t id = test::make_user(app(), "ada@example.com", test::kGoodPassword);
        test::Browser one(app()), two(app());
        test::log_in(one, "ada@example.com", test::kGoodPassword);
        test::log_in(two, "ada@example.com", test::kGoodPassword);
        std::int64_t other = test::make_user(app(), "grace@example.com", test::kGoodPassword);
        test::Browser three(app());
        test::log_in(three, "grace@example.com", test::kGoodPassword);
        CPPUNIT_ASSERT_EQUAL(std::int64_t{2}, test::session_count(app(), id));
        CPPUNIT_ASSERT(auth::AdminResult::Done == app().accounts.end_sessions(id, kShell, kAdmin));
        CPPUNIT_ASSERT_EQUAL(std::int64_t{0}, test::session_count(app(), id));
        CPPUNIT_ASSERT_EQUAL(std::int64_t{1}, test::session_count(app(), other));  // only that account's
        auto event = last_event(app(), id, "session.ended");
        CPPUNIT_ASSERT_EQUAL(std::string(kAdmin), event->actor);
        // Not locked: it may log in again.
        CPPUNIT_ASSERT_EQUAL(303, test::log_in(one, "ada@example.com", test::kGoodPassword).status);
    }

    void reset_link_is_mailed_and_works() {
        std::int64_t id = test::make_user(app(), "ada@example.com", test::kGoodPassword);
        CPPUNIT_ASSERT(auth::AdminResult::Done == app().accounts.send_reset_link(id, kShell, kAdmin));
        CPPUNIT_ASSERT_EQUAL(1, t_->deliver());
        const auto& sent = t_->mailer->sent.back();
        CPPUNIT_ASSERT_EQUAL(std::string("ada@example.com"), sent.to);
        CPPUNIT_ASSERT(test::contains(sent.message, "/reset/confirm?token="));
        CPPUNIT_ASSERT(app().store().reset_tokens().pending(id));
        auto event = last_event(app(), id, "password.reset_requested");
        CPPUNIT_ASSERT_EQUAL(std::string(kAdmin), event->actor);
        CPPUNIT_ASSERT_EQUAL(std::string("ok"), event->outcome);
    }

    void reset_link_respects_mail_max_per_hour() {
        std::int64_t id = test::make_user(app(), "ada@example.com", test::kGoodPassword);
        int max = app().config().mail_max_per_hour;
        for (int i = 0; i < max; ++i)
            CPPUNIT_ASSERT(auth::AdminResult::Done == app().accounts.send_reset_link(id, kShell, kAdmin));
        std::int64_t queued = test::queued_mails(app());
        CPPUNIT_ASSERT(auth::AdminResult::TooManyMails == app().accounts.send_reset_link(id, kShell, kAdmin));
        CPPUNIT_ASSERT_EQUAL(queued, test::queued_mails(app()));
        CPPUNIT_ASSERT_EQUAL(std::string("refused"), last_event(app(), id, "password.reset_requested")->outcome);
    }

    void two_factor_off_when_not_on_is_unchanged() {
        std::int64_t id = test::make_user(app(), "ada@example.com", test::kGoodPassword);
        CPPUNIT_ASSERT(auth::AdminResult::Unchanged == app().accounts.turn_off_two_factor_of(id, kShell, kAdmin));
        CPPUNIT_ASSERT(!last_event(app(), id, "two_factor.off"));
    }

    void mail_queue_and_retry() {
        std::int64_t id = test::make_user(app(), "ada@example.com", test::kGoodPassword);
        app().accounts.send_reset_link(id, kShell, kAdmin);
        auto queue = app().accounts.mail_queue();
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, queue.size());
        CPPUNIT_ASSERT_EQUAL(std::string("ada@example.com"), queue[0].recipient);
        CPPUNIT_ASSERT(!queue[0].failed());

        // A failed attempt (what Outbox records when the server refuses),
        // its next attempt far off.
        t_->mailer->fail = true;
        t_->deliver();
        test::db(app()).query("UPDATE outbox SET next_attempt_at = 9999999999, claimed_until = 0").exec();
        queue = app().accounts.mail_queue();
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, queue.size());
        CPPUNIT_ASSERT(queue[0].failed());
        CPPUNIT_ASSERT(queue[0].attempts >= 1);
        std::int64_t n = app().accounts.retry_failed_mail(kShell, kAdmin);
        CPPUNIT_ASSERT_EQUAL(std::int64_t{1}, n);
        for (const auto& m : app().accounts.mail_queue()) CPPUNIT_ASSERT_EQUAL(t_->clock->now(), m.next_attempt_at);
        auth::EventFilter f;
        f.name = "mail.retried";
        auto rows = app().accounts.events().query(f);
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, rows.size());
        CPPUNIT_ASSERT_EQUAL(std::string(kAdmin), rows[0].actor);
        t_->mailer->fail = false;
        CPPUNIT_ASSERT(t_->deliver() >= 1);
    }

    void delete_removes_the_account_and_names_the_admin() {
        std::int64_t id = test::make_user(app(), "ada@example.com", test::kGoodPassword);
        std::int64_t other = test::make_user(app(), "grace@example.com", test::kGoodPassword);
        test::Browser b(app());
        test::log_in(b, "ada@example.com", test::kGoodPassword);
        CPPUNIT_ASSERT(auth::AdminResult::Done == app().accounts.delete_account_of(id, kShell, kAdmin));
        CPPUNIT_ASSERT(!app().store().users().find_by_id(id));
        CPPUNIT_ASSERT_EQUAL(std::int64_t{0}, test::session_count(app(), id));
        CPPUNIT_ASSERT(app().store().users().find_by_id(other));
        CPPUNIT_ASSERT(auth::AdminResult::NotFound == app().accounts.delete_account_of(id, kShell, kAdmin));
        auth::EventFilter f;
        f.name = "account.deleted";
        auto rows = app().accounts.events().query(f);
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, rows.size());
        CPPUNIT_ASSERT_EQUAL(std::string(kAdmin), rows[0].actor);
        CPPUNIT_ASSERT_EQUAL(id, *rows[0].user_id);
        // The last notice goes to the address.
        CPPUNIT_ASSERT_EQUAL(1, t_->deliver());
        CPPUNIT_ASSERT_EQUAL(std::string("ada@example.com"), t_->mailer->sent.back().to);
    }

private:
    std::unique_ptr<test::TestApp> t_;
};

CPPUNIT_TEST_SUITE_REGISTRATION(AdminTest);
