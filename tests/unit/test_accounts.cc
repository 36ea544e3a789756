// Tests for auth::Accounts, the account service: the races between its
// steps, made to happen deterministically. Accounts::hooks runs code of the
// test right after a password was verified (Argon2, outside any
// transaction) and before the write that acts on it: there "another
// request" changes the password, resets it, ends the sessions, or sends
// more logins, as it could in the ~40 ms a real verify takes.
#include <cppunit/extensions/HelperMacros.h>

#include <functional>
#include <string>

#include "account/accounts.hh"
#include "support.hh"

namespace {

const std::string kEmail = "ada@example.test";
const std::string kNew = "purple elephant juggling teacups";
const auth::Client kHere{"192.0.2.7", "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0", "req-here"};
const auth::Client kThere{"198.51.100.9", "Mozilla/5.0 (iPhone) Safari/604.1", "req-there"};

// Runs `then` once, the first time a password is verified.
void once_after_verify(auth::App& app, std::function<void()> then) {
    app.accounts.hooks.after_password_verified = [&app, then]() {
        // Copies first: clearing the hook destroys this lambda and what it captured.
        std::function<void()> run = then;
        auth::App* a = &app;
        a->accounts.hooks.after_password_verified = nullptr;  // not again for the requests `run` makes
        run();
    };
}

class AccountsTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(AccountsTest);
    CPPUNIT_TEST(login_makes_a_session);
    CPPUNIT_TEST(login_overlapping_a_password_change_makes_no_session);
    CPPUNIT_TEST(login_overlapping_a_reset_makes_no_session);
    CPPUNIT_TEST(login_overlapping_log_out_other_sessions_makes_no_session);
    CPPUNIT_TEST(login_overlapping_an_email_change_makes_no_session);
    CPPUNIT_TEST(login_overlapping_a_lock_makes_no_session);
    CPPUNIT_TEST(a_session_from_before_the_password_change_is_never_accepted);
    CPPUNIT_TEST(fifty_simultaneous_wrong_logins_verify_at_most_five);
    CPPUNIT_TEST(simultaneous_wrong_current_passwords_verify_at_most_five);
    CPPUNIT_TEST(a_right_password_takes_its_reservation_back);
    CPPUNIT_TEST(rehash_at_login_never_brings_back_an_old_password);
    CPPUNIT_TEST(rehash_is_conditional_on_the_verified_hash);
    CPPUNIT_TEST(password_change_overlapping_another_change_is_refused);
    CPPUNIT_TEST(confirming_an_email_change_ends_the_other_sessions);
    CPPUNIT_TEST(confirming_an_email_change_logged_out_ends_every_session);
    CPPUNIT_TEST(new_password_rules_are_the_same_for_change_and_reset);
    CPPUNIT_TEST(email_change_request_overlapping_a_password_change_sends_nothing);
    CPPUNIT_TEST(a_link_from_before_the_password_change_is_void_whatever_raced);
    CPPUNIT_TEST(log_out_others_overlapping_a_password_change_is_refused);
    CPPUNIT_TEST(a_login_keeps_the_failures_of_attempts_that_started_after_it);
    CPPUNIT_TEST(a_right_current_password_takes_back_only_its_own_reservation);
    CPPUNIT_TEST(an_empty_or_throttled_current_password_records_nothing);
    CPPUNIT_TEST_SUITE_END();

    std::unique_ptr<test::TestApp> t_;
    std::int64_t id_ = 0;

    auth::App& app() { return *t_->app; }
    auth::Accounts& accounts() { return t_->app->accounts; }
    auth::User user() { return *app().store().users().find_by_id(id_); }
    std::int64_t sessions() { return test::session_count(app(), id_); }
    bool opens(const std::string& token) { return accounts().identify(token).has_value(); }
    auth::Identity logged_in(const auth::Client& c = kHere) {
        auto login = accounts().log_in(kEmail, test::kGoodPassword, c);
        CPPUNIT_ASSERT(login.result == auth::LoginResult::LoggedIn);
        return *accounts().identify(login.session_token);
    }

public:
    void setUp() override {
        t_ = std::make_unique<test::TestApp>();
        id_ = test::make_user(app(), kEmail, test::kGoodPassword, "Ada");
    }
    void tearDown() override { t_.reset(); }

    void login_makes_a_session() {
        auto login = accounts().log_in(kEmail, test::kGoodPassword, kHere);
        CPPUNIT_ASSERT(login.result == auth::LoginResult::LoggedIn);
        CPPUNIT_ASSERT_EQUAL(id_, login.user_id);
        CPPUNIT_ASSERT(opens(login.session_token));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), sessions());
    }

    void login_overlapping_a_password_change_makes_no_session() {
        auth::Identity owner = logged_in(kThere);
        std::string fresh_session;
        once_after_verify(app(), [&] {
            auto change = accounts().change_password(owner.user, {test::kGoodPassword, ""}, kNew, kNew, kThere);
            CPPUNIT_ASSERT(change.result == auth::PasswordChangeResult::Changed);
            fresh_session = change.session_token;
        });
        auto login = accounts().log_in(kEmail, test::kGoodPassword, kHere);
        CPPUNIT_ASSERT(login.result == auth::LoginResult::Refused);
        CPPUNIT_ASSERT(login.session_token.empty());
        // Only the session the change made is left, and the old password is gone.
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), sessions());
        CPPUNIT_ASSERT(opens(fresh_session));
        CPPUNIT_ASSERT(app().hasher.verify(user().password_hash, kNew));
    }

    // An administrator locks the account while the login's password
    // verifies: the login's write sees the lock (it is read inside that
    // transaction), so no session is made, and none of the account's opens.
    void login_overlapping_a_lock_makes_no_session() {
        auto owner = accounts().log_in(kEmail, test::kGoodPassword, kThere);
        CPPUNIT_ASSERT(owner.result == auth::LoginResult::LoggedIn);
        once_after_verify(app(), [&] {
            CPPUNIT_ASSERT(accounts().lock_account(id_, kThere, "admin") == auth::AdminResult::Done);
        });
        auto login = accounts().log_in(kEmail, test::kGoodPassword, kHere);
        CPPUNIT_ASSERT(login.result == auth::LoginResult::Locked);
        CPPUNIT_ASSERT(login.session_token.empty());
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), sessions());
        CPPUNIT_ASSERT(!opens(owner.session_token));
    }

    void login_overlapping_a_reset_makes_no_session() {
        std::string link = app().store().reset_tokens().issue(id_);
        once_after_verify(app(), [&] {
            auto reset = accounts().reset_password(link, kNew, kNew, kThere);
            CPPUNIT_ASSERT(reset.result == auth::ResetResult::Done);
        });
        auto login = accounts().log_in(kEmail, test::kGoodPassword, kHere);
        CPPUNIT_ASSERT(login.result == auth::LoginResult::Refused);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), sessions());
        // The new password works.
        CPPUNIT_ASSERT(accounts().log_in(kEmail, kNew, kHere).result == auth::LoginResult::LoggedIn);
    }

    void login_overlapping_log_out_other_sessions_makes_no_session() {
        auth::Identity owner = logged_in(kThere);
        once_after_verify(app(), [&] {
            auto ended = accounts().end_other_sessions(owner, {test::kGoodPassword, ""}, kThere);
            CPPUNIT_ASSERT(ended.result == auth::EndSessionResult::Ended);
        });
        auto login = accounts().log_in(kEmail, test::kGoodPassword, kHere);
        CPPUNIT_ASSERT(login.result == auth::LoginResult::Refused);
        // The owner's session, and nothing else.
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), sessions());
        CPPUNIT_ASSERT_EQUAL(owner.session.id, app().store().sessions().list_for_user(id_).at(0).id);
        // A login after the revoke is an ordinary login.
        CPPUNIT_ASSERT(accounts().log_in(kEmail, test::kGoodPassword, kHere).result == auth::LoginResult::LoggedIn);
    }

    void login_overlapping_an_email_change_makes_no_session() {
        auth::Identity owner = logged_in(kThere);
        std::string link = app().store().email_changes().issue(id_, "ada@new.example");
        once_after_verify(app(), [&] {
            auto done = accounts().confirm_email_change(link, kThere, owner);
            CPPUNIT_ASSERT(done.result == auth::EmailConfirmResult::Changed);
        });
        auto login = accounts().log_in(kEmail, test::kGoodPassword, kHere);
        CPPUNIT_ASSERT(login.result == auth::LoginResult::Refused);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), sessions());
    }

    void a_session_from_before_the_password_change_is_never_accepted() {
        // However a session came to exist (a race, a restored backup), one
        // made before the last password change opens nothing.
        auto login = accounts().log_in(kEmail, test::kGoodPassword, kHere);
        t_->clock->advance(10);
        app().store().users().set_password_hash(id_, app().hasher.hash(kNew), t_->clock->now());
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), sessions());  // the row is there...
        CPPUNIT_ASSERT(!opens(login.session_token));           // ...and dead
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), sessions());   // and gone
    }

    void fifty_simultaneous_wrong_logins_verify_at_most_five() {
        // While the first wrong login verifies, 49 more arrive. Each reserves
        // its failure before verifying, so only the first five verify.
        int verifies = 0;
        int throttled = 0, refused = 0;
        app().accounts.hooks.after_password_verified = [&] {
            if (++verifies > 1) return;
            for (int i = 0; i < 49; ++i) {
                auto r = accounts().log_in(kEmail, "wrong password number " + std::to_string(i), {"10.0.0." + std::to_string(i), "", ""});
                (r.result == auth::LoginResult::Throttled ? throttled : refused)++;
            }
        };
        auto first = accounts().log_in(kEmail, "the first wrong password", kHere);
        CPPUNIT_ASSERT(first.result == auth::LoginResult::Refused);
        CPPUNIT_ASSERT_EQUAL(5, verifies);
        CPPUNIT_ASSERT_EQUAL(4, refused);
        CPPUNIT_ASSERT_EQUAL(45, throttled);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(5), test::login_failures_for(app(), kEmail));
        // The right password waits too.
        CPPUNIT_ASSERT(accounts().log_in(kEmail, test::kGoodPassword, kHere).result == auth::LoginResult::Throttled);
    }

    void simultaneous_wrong_current_passwords_verify_at_most_five() {
        auth::User u = user();
        int verifies = 0;
        int throttled = 0;
        app().accounts.hooks.after_password_verified = [&] {
            if (++verifies > 1) return;
            for (int i = 0; i < 20; ++i)
                if (accounts().reauthenticate(u, {"wrong", ""}, kHere, "test").result == auth::Reauth::Throttled) ++throttled;
        };
        CPPUNIT_ASSERT(accounts().reauthenticate(u, {"wrong", ""}, kHere, "test").result == auth::Reauth::Wrong);
        CPPUNIT_ASSERT_EQUAL(5, verifies);
        CPPUNIT_ASSERT_EQUAL(16, throttled);
    }

    void a_right_password_takes_its_reservation_back() {
        for (int i = 0; i < 4; ++i) accounts().log_in(kEmail, "wrong", kHere);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(4), test::login_failures_for(app(), kEmail));
        // While the right one verifies, its reservation is the fifth failure.
        std::int64_t during = -1;
        once_after_verify(app(), [&] { during = test::login_failures_for(app(), kEmail); });
        CPPUNIT_ASSERT(accounts().log_in(kEmail, test::kGoodPassword, kHere).result == auth::LoginResult::LoggedIn);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(5), during);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), test::login_failures_for(app(), kEmail));
    }

    void rehash_at_login_never_brings_back_an_old_password() {
        // The stored hash is at a lower cost than the app's, so the login
        // rehashes; meanwhile the password is changed.
        test::TestApp cheap;
        std::int64_t id = test::make_user(*cheap.app, kEmail, test::kGoodPassword);
        test::TestApp dearer("http://127.0.0.1:8080", [&](auth::Config& c) {
            c.database_path = cheap.app->config().database_path;
            c.database_url = cheap.app->config().database_url;
            c.argon2_opslimit += 1;
        });
        auth::App& app = *dearer.app;
        CPPUNIT_ASSERT(app.hasher.needs_rehash(app.store().users().find_by_id(id)->password_hash));
        std::string changed;
        once_after_verify(app, [&] {
            changed = cheap.app->hasher.hash(kNew);  // at the old cost, so the next login rehashes
            app.store().users().set_password_hash(id, changed, dearer.clock->now());
        });
        auto login = app.accounts.log_in(kEmail, test::kGoodPassword, kHere);
        CPPUNIT_ASSERT(login.result == auth::LoginResult::Refused);
        CPPUNIT_ASSERT_EQUAL(changed, app.store().users().find_by_id(id)->password_hash);
        CPPUNIT_ASSERT(app.hasher.verify(app.store().users().find_by_id(id)->password_hash, kNew));
        // Without a race, the rehash happens and keeps the password.
        auto again = app.accounts.log_in(kEmail, kNew, kHere);
        CPPUNIT_ASSERT(again.result == auth::LoginResult::LoggedIn);
        std::string stored = app.store().users().find_by_id(id)->password_hash;
        CPPUNIT_ASSERT(stored != changed);
        CPPUNIT_ASSERT(!app.hasher.needs_rehash(stored));
        CPPUNIT_ASSERT(app.hasher.verify(stored, kNew));
    }

    void rehash_is_conditional_on_the_verified_hash() {
        auth::UserStore& users = app().store().users();
        std::string verified = user().password_hash;
        std::string other = app().hasher.hash(kNew);
        users.set_password_hash(id_, other, t_->clock->now());
        CPPUNIT_ASSERT(!users.replace_hash_if(id_, app().hasher.hash(test::kGoodPassword), verified));
        CPPUNIT_ASSERT_EQUAL(other, user().password_hash);
        CPPUNIT_ASSERT(users.replace_hash_if(id_, verified, other));
        CPPUNIT_ASSERT_EQUAL(verified, user().password_hash);
    }

    void password_change_overlapping_another_change_is_refused() {
        auth::Identity a = logged_in(kHere);
        auth::Identity b = logged_in(kThere);
        once_after_verify(app(), [&] {
            auto first = accounts().change_password(b.user, {test::kGoodPassword, ""}, kNew, kNew, kThere);
            CPPUNIT_ASSERT(first.result == auth::PasswordChangeResult::Changed);
        });
        auto second = accounts().change_password(a.user, {test::kGoodPassword, ""}, "another fine passphrase",
                                                 "another fine passphrase", kHere);
        CPPUNIT_ASSERT(second.result == auth::PasswordChangeResult::Reauth);
        CPPUNIT_ASSERT(second.reauth.result == auth::Reauth::Wrong);
        CPPUNIT_ASSERT(app().hasher.verify(user().password_hash, kNew));
    }

    void confirming_an_email_change_ends_the_other_sessions() {
        auth::Identity here = logged_in(kHere);
        auth::Identity there = logged_in(kThere);
        std::string link = app().store().email_changes().issue(id_, "ada@new.example");
        auto done = accounts().confirm_email_change(link, kHere, here);
        CPPUNIT_ASSERT(done.result == auth::EmailConfirmResult::Changed);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), sessions());
        CPPUNIT_ASSERT_EQUAL(here.session.id, app().store().sessions().list_for_user(id_).at(0).id);
        (void)there;
    }

    void confirming_an_email_change_logged_out_ends_every_session() {
        logged_in(kHere);
        logged_in(kThere);
        std::string link = app().store().email_changes().issue(id_, "ada@new.example");
        CPPUNIT_ASSERT(accounts().confirm_email_change(link, kHere, std::nullopt).result == auth::EmailConfirmResult::Changed);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), sessions());
    }

    void new_password_rules_are_the_same_for_change_and_reset() {
        // Both end every session, void the links and queue a notice: one place.
        auto check_after = [&](const std::string& what) {
            CPPUNIT_ASSERT_MESSAGE(what, !app().store().email_changes().pending(id_));
            CPPUNIT_ASSERT_MESSAGE(what, !app().store().reset_tokens().pending(id_));
            CPPUNIT_ASSERT_EQUAL_MESSAGE(what, std::int64_t(0), test::login_failures_for(app(), kEmail));
        };
        auth::Identity a = logged_in(kHere);
        logged_in(kThere);
        app().store().email_changes().issue(id_, "x@new.example");
        app().store().reset_tokens().issue(id_);
        accounts().log_in(kEmail, "wrong", kHere);
        std::int64_t queued = test::queued_mails(app());
        auto change = accounts().change_password(a.user, {test::kGoodPassword, ""}, kNew, kNew, kHere);
        CPPUNIT_ASSERT(change.result == auth::PasswordChangeResult::Changed);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), sessions());  // the new one of the browser that changed it
        CPPUNIT_ASSERT_EQUAL(queued + 1, test::queued_mails(app()));
        check_after("change");

        CPPUNIT_ASSERT(accounts().log_in(kEmail, kNew, kThere).result == auth::LoginResult::LoggedIn);
        app().store().email_changes().issue(id_, "y@new.example");
        std::string link = app().store().reset_tokens().issue(id_);
        accounts().log_in(kEmail, "wrong", kHere);
        queued = test::queued_mails(app());
        CPPUNIT_ASSERT(accounts().reset_password(link, "another fine passphrase", "another fine passphrase", kHere).result ==
                       auth::ResetResult::Done);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), sessions());
        CPPUNIT_ASSERT_EQUAL(queued + 1, test::queued_mails(app()));
        check_after("reset");
    }

    void email_change_request_overlapping_a_password_change_sends_nothing() {
        // Someone with the old password and a session asks for a new address;
        // while that password is checked, the owner changes it, which ends
        // the sessions and voids the links. No link may be issued after.
        auth::Identity intruder = logged_in(kThere);
        auth::Identity owner = logged_in(kHere);
        once_after_verify(app(), [&] {
            auto change = accounts().change_password(owner.user, {test::kGoodPassword, ""}, kNew, kNew, kHere);
            CPPUNIT_ASSERT(change.result == auth::PasswordChangeResult::Changed);
        });
        std::int64_t queued = test::queued_mails(app());
        auto asked = accounts().request_email_change(intruder.user, std::string("evil@attacker.example"),
                                                     {test::kGoodPassword, ""}, kThere);
        CPPUNIT_ASSERT(asked.result != auth::EmailChangeRequestResult::Sent);
        CPPUNIT_ASSERT(asked.reauth.result == auth::Reauth::Wrong);
        CPPUNIT_ASSERT(!accounts().pending_email_change(id_));
        CPPUNIT_ASSERT_EQUAL(queued + 1, test::queued_mails(app()));  // only the password-change notice
    }

    void a_link_from_before_the_password_change_is_void_whatever_raced() {
        // Links are voided by a new password; should one escape that (a
        // store written by hand, a restored backup), its age still voids it.
        std::string email_link = app().store().email_changes().issue(id_, "ada@new.example");
        std::string reset_link = app().store().reset_tokens().issue(id_);
        t_->clock->advance(5);
        app().store().users().set_password_hash(id_, app().hasher.hash(kNew), t_->clock->now());
        auto confirmed = accounts().confirm_email_change(email_link, kHere, std::nullopt);
        CPPUNIT_ASSERT(confirmed.result == auth::EmailConfirmResult::BadLink);
        CPPUNIT_ASSERT(confirmed.state == auth::TokenState::Superseded);
        CPPUNIT_ASSERT_EQUAL(kEmail, user().email);
        auto reset = accounts().reset_password(reset_link, "another fine passphrase", "another fine passphrase", kHere);
        CPPUNIT_ASSERT(reset.result == auth::ResetResult::BadLink);
        CPPUNIT_ASSERT(app().hasher.verify(user().password_hash, kNew));
    }

    void log_out_others_overlapping_a_password_change_is_refused() {
        auth::Identity intruder = logged_in(kThere);
        auth::Identity owner = logged_in(kHere);
        std::string fresh;
        once_after_verify(app(), [&] {
            auto change = accounts().change_password(owner.user, {test::kGoodPassword, ""}, kNew, kNew, kHere);
            CPPUNIT_ASSERT(change.result == auth::PasswordChangeResult::Changed);
            fresh = change.session_token;
        });
        auto ended = accounts().end_other_sessions(intruder, {test::kGoodPassword, ""}, kThere);
        CPPUNIT_ASSERT(ended.result == auth::EndSessionResult::Reauth);
        CPPUNIT_ASSERT(opens(fresh));  // the owner's new session lives
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), sessions());
    }

    void a_login_keeps_the_failures_of_attempts_that_started_after_it() {
        // While the owner's right password is checked, three wrong ones
        // arrive: the owner's success clears what came before it, not them.
        accounts().log_in(kEmail, "an old typo", kHere);
        once_after_verify(app(), [&] {
            for (int i = 0; i < 3; ++i) accounts().log_in(kEmail, "wrong " + std::to_string(i), kThere);
        });
        CPPUNIT_ASSERT(accounts().log_in(kEmail, test::kGoodPassword, kHere).result == auth::LoginResult::LoggedIn);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(3), test::login_failures_for(app(), kEmail));
    }

    void a_right_current_password_takes_back_only_its_own_reservation() {
        auth::Identity me = logged_in(kHere);
        for (int i = 0; i < 4; ++i) accounts().log_in(kEmail, "wrong", kThere);
        CPPUNIT_ASSERT(accounts().reauthenticate(me.user, {test::kGoodPassword, ""}, kHere, "test").ok());
        CPPUNIT_ASSERT_EQUAL(std::int64_t(4), test::login_failures_for(app(), kEmail));
    }

    void an_empty_or_throttled_current_password_records_nothing() {
        auth::Identity me = logged_in(kHere);
        CPPUNIT_ASSERT(accounts().reauthenticate(me.user, {"", ""}, kHere, "test").result == auth::Reauth::Missing);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), test::login_failures_for(app(), kEmail));
        for (int i = 0; i < 5; ++i)
            CPPUNIT_ASSERT(accounts().reauthenticate(me.user, {"wrong", ""}, kHere, "test").result == auth::Reauth::Wrong);
        auto throttled = accounts().reauthenticate(me.user, {test::kGoodPassword, ""}, kHere, "test");
        CPPUNIT_ASSERT(throttled.result == auth::Reauth::Throttled);
        CPPUNIT_ASSERT(throttled.retry_after > 0);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(5), test::login_failures_for(app(), kEmail));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(AccountsTest);

}  // namespace
