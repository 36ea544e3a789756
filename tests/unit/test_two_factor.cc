// Tests for two-step login in the account service (accounts.hh, two_step.cc,
// two_factor.cc) and its store: set-up confirmed by a code, the secret
// stored sealed (and bound to its account), one step of drift either way,
// no code accepted twice, recovery codes used once, wrong codes throttled
// per account, the pending login (expiry, browser, a password change
// meanwhile), a reset that leaves two-step login on, and the notices.
#include <cppunit/extensions/HelperMacros.h>

#include "account/accounts.hh"
#include "core/totp.hh"
#include "store/sqlite/db.hh"
#include "support.hh"

namespace {

const std::string kEmail = "ada@example.test";
const auth::Client kHere{"192.0.2.7", "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0", "req-here"};
const std::string kBrowser = "a-browser-secret-of-43-characters-aaaaaaaaa";

struct On {
    test::TestApp t;
    std::int64_t id = test::make_user(*t.app, kEmail, test::kGoodPassword, "Ada Lovelace");
    std::string secret;
    std::vector<std::string> codes;

    auth::Accounts& accounts() { return t.app->accounts; }
    auth::User user() { return *t.app->store().users().find_by_id(id); }
    // The session the set-up is made in (id 42); `session` another one.
    auth::Identity me(std::int64_t session = 42) { return auth::Identity{auth::Session{session, id, 0, 0}, user(), false, std::nullopt}; }
    std::string code(std::int64_t steps_from_now = 0) {
        return auth::totp(secret, auth::totp_step(t.clock->now()) + steps_from_now);
    }
    auth::Proof proof(const std::string& c) { return {test::kGoodPassword, c}; }

    // Two-step login on, the clock moved to the start of a fresh step.
    explicit On(bool turn_on = true) {
        if (!turn_on) return;
        auth::TwoFactorOutcome started = accounts().start_two_factor(me(), test::kGoodPassword, kHere);
        CPPUNIT_ASSERT(started.result == auth::TwoFactorResult::Done);
        secret = started.secret;
        auth::TwoFactorOutcome on = accounts().confirm_two_factor(me(), code(), kHere);
        CPPUNIT_ASSERT(on.result == auth::TwoFactorResult::Done);
        codes = on.recovery_codes;
        t.clock->advance(30);
    }
};

}  // namespace

class TwoFactorTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(TwoFactorTest);
    CPPUNIT_TEST(setup_needs_the_password_and_a_code);
    CPPUNIT_TEST(setup_expires_after_30_minutes);
    CPPUNIT_TEST(secret_is_stored_sealed_and_bound_to_its_account);
    CPPUNIT_TEST(codes_one_step_either_side_are_accepted);
    CPPUNIT_TEST(a_code_is_never_accepted_twice);
    CPPUNIT_TEST(an_older_step_is_refused_after_a_newer_one);
    CPPUNIT_TEST(recovery_codes_work_once_each);
    CPPUNIT_TEST(wrong_codes_are_throttled_per_account);
    CPPUNIT_TEST(login_with_two_factor_needs_the_code_step);
    CPPUNIT_TEST(pending_login_is_bound_to_browser_and_expires);
    CPPUNIT_TEST(pending_login_dies_with_a_password_change);
    CPPUNIT_TEST(reset_leaves_two_factor_on);
    CPPUNIT_TEST(step_up_asks_for_the_code);
    CPPUNIT_TEST(turning_off_and_new_codes_ask_for_a_code);
    CPPUNIT_TEST(notices_are_mailed);
    CPPUNIT_TEST(housekeeping_purges_expired_pending_logins);
    CPPUNIT_TEST(administrator_turns_it_off);
    CPPUNIT_TEST(setup_belongs_to_the_session_that_started_it);
    CPPUNIT_TEST(a_form_that_cannot_succeed_spends_no_code);
    CPPUNIT_TEST_SUITE_END();

public:
    void setup_needs_the_password_and_a_code() {
        On a(false);
        auto wrong = a.accounts().start_two_factor(a.me(), "not the password at all", kHere);
        CPPUNIT_ASSERT(wrong.result == auth::TwoFactorResult::Reauth);
        CPPUNIT_ASSERT(wrong.reauth.result == auth::Reauth::Wrong);
        CPPUNIT_ASSERT(!a.accounts().two_factor_setup(a.me()));
        auto started = a.accounts().start_two_factor(a.me(), test::kGoodPassword, kHere);
        CPPUNIT_ASSERT(started.result == auth::TwoFactorResult::Done);
        CPPUNIT_ASSERT_EQUAL(std::size_t(20), started.secret.size());
        CPPUNIT_ASSERT(started.secret == a.accounts().two_factor_setup(a.me()).value());
        a.secret = started.secret;
        CPPUNIT_ASSERT(!a.accounts().two_factor_on(a.id));  // not before a code
        auto bad = a.accounts().confirm_two_factor(a.me(), a.code(5), kHere);
        CPPUNIT_ASSERT(bad.result == auth::TwoFactorResult::Reauth);
        CPPUNIT_ASSERT(bad.reauth.code && bad.reauth.result == auth::Reauth::Wrong);
        CPPUNIT_ASSERT(!a.accounts().two_factor_on(a.id));
        auto on = a.accounts().confirm_two_factor(a.me(), a.code(), kHere);
        CPPUNIT_ASSERT(on.result == auth::TwoFactorResult::Done);
        CPPUNIT_ASSERT(a.accounts().two_factor_on(a.id));
        CPPUNIT_ASSERT_EQUAL(std::size_t(10), on.recovery_codes.size());
        CPPUNIT_ASSERT_EQUAL(std::int64_t(10), a.accounts().recovery_codes_left(a.id));
        CPPUNIT_ASSERT(!a.accounts().two_factor_setup(a.me()));  // the setup became the secret
        // Once on, no second set-up.
        CPPUNIT_ASSERT(a.accounts().start_two_factor(a.me(), test::kGoodPassword, kHere).result ==
                       auth::TwoFactorResult::AlreadyOn);
    }

    void setup_expires_after_30_minutes() {
        On a(false);
        a.secret = a.accounts().start_two_factor(a.me(), test::kGoodPassword, kHere).secret;
        a.t.clock->advance(auth::TwoFactor::kSetupSeconds);
        CPPUNIT_ASSERT(!a.accounts().two_factor_setup(a.me()));
        CPPUNIT_ASSERT(a.accounts().confirm_two_factor(a.me(), a.code(), kHere).result == auth::TwoFactorResult::NoSetup);
        CPPUNIT_ASSERT(!a.accounts().two_factor_on(a.id));
    }

    void secret_is_stored_sealed_and_bound_to_its_account() {
        On a;
        test::Database db = test::db(*a.t.app);
        auto q = db.query("SELECT nonce, secret FROM two_factor WHERE user_id = ?");
        q.bind(1, a.id);
        CPPUNIT_ASSERT(q.step());
        std::string nonce = q.text(0), sealed = q.text(1);
        CPPUNIT_ASSERT_EQUAL(std::size_t(24), nonce.size());
        CPPUNIT_ASSERT_EQUAL(a.secret.size() + 16, sealed.size());
        CPPUNIT_ASSERT(sealed.find(a.secret) == std::string::npos);
        CPPUNIT_ASSERT(sealed.find(auth::base32_encode(a.secret)) == std::string::npos);
        // Copied to another account (whose owner knows its own codes), the
        // sealed secret opens for nobody.
        std::int64_t eve = test::make_user(*a.t.app, "eve@example.test", test::kGoodPassword, "Eve");
        db.query("INSERT INTO two_factor (user_id, nonce, secret, enabled_at) VALUES (?, ?, ?, 0)")
            .bind(1, eve).bind_blob(2, nonce).bind_blob(3, sealed).exec();
        auth::User eve_user = *a.t.app->store().users().find_by_id(eve);
        test::CaptureStderr log;
        auth::ReauthCheck c = a.accounts().reauthenticate(eve_user, {test::kGoodPassword, a.code()}, kHere, "test");
        CPPUNIT_ASSERT(c.code && c.result == auth::Reauth::Wrong);
        CPPUNIT_ASSERT(test::contains(log.text(), "cannot be opened"));
    }

    void codes_one_step_either_side_are_accepted() {
        On a;
        auth::Accounts& acc = a.accounts();
        a.t.clock->advance(60);  // the step before now is not the one that turned it on
        CPPUNIT_ASSERT(acc.reauthenticate(a.user(), a.proof(a.code(-1)), kHere, "test").ok());
        CPPUNIT_ASSERT(acc.reauthenticate(a.user(), a.proof(a.code(0)), kHere, "test").ok());
        CPPUNIT_ASSERT(acc.reauthenticate(a.user(), a.proof(a.code(1)), kHere, "test").ok());
        a.t.clock->advance(120);
        CPPUNIT_ASSERT(acc.reauthenticate(a.user(), a.proof(a.code(-2)), kHere, "test").result == auth::Reauth::Wrong);
        CPPUNIT_ASSERT(acc.reauthenticate(a.user(), a.proof(a.code(2)), kHere, "test").result == auth::Reauth::Wrong);
        CPPUNIT_ASSERT(acc.reauthenticate(a.user(), a.proof(" " + a.code().substr(0, 3) + " " + a.code().substr(3)), kHere,
                                          "test")
                           .ok());
    }

    void a_code_is_never_accepted_twice() {
        On a;
        std::string c = a.code();
        CPPUNIT_ASSERT(a.accounts().reauthenticate(a.user(), a.proof(c), kHere, "test").ok());
        auth::ReauthCheck again = a.accounts().reauthenticate(a.user(), a.proof(c), kHere, "test");
        CPPUNIT_ASSERT(again.code && again.result == auth::Reauth::Wrong);
        a.t.clock->advance(10);  // same step, later in it
        CPPUNIT_ASSERT(a.accounts().reauthenticate(a.user(), a.proof(c), kHere, "test").result == auth::Reauth::Wrong);
        a.t.clock->advance(30);
        CPPUNIT_ASSERT(a.accounts().reauthenticate(a.user(), a.proof(a.code()), kHere, "test").ok());
        // The code that turned it on was spent as well.
        On b;
        b.t.clock->advance(-30);
        CPPUNIT_ASSERT(b.accounts().reauthenticate(b.user(), b.proof(b.code()), kHere, "test").result == auth::Reauth::Wrong);
    }

    void an_older_step_is_refused_after_a_newer_one() {
        On a;
        CPPUNIT_ASSERT(a.accounts().reauthenticate(a.user(), a.proof(a.code(1)), kHere, "test").ok());
        CPPUNIT_ASSERT(a.accounts().reauthenticate(a.user(), a.proof(a.code(0)), kHere, "test").result == auth::Reauth::Wrong);
    }

    void recovery_codes_work_once_each() {
        On a;
        std::set<std::string> distinct(a.codes.begin(), a.codes.end());
        CPPUNIT_ASSERT_EQUAL(std::size_t(10), distinct.size());
        for (const std::string& c : a.codes) CPPUNIT_ASSERT_EQUAL(std::size_t(11), c.size());
        CPPUNIT_ASSERT(a.accounts().reauthenticate(a.user(), a.proof(a.codes[0]), kHere, "test").ok());
        CPPUNIT_ASSERT_EQUAL(std::int64_t(9), a.accounts().recovery_codes_left(a.id));
        CPPUNIT_ASSERT(a.accounts().reauthenticate(a.user(), a.proof(a.codes[0]), kHere, "test").result == auth::Reauth::Wrong);
        // Typed in capitals, without the dash, with spaces: the same code.
        std::string typed = a.codes[1];
        typed.erase(5, 1);
        for (char& ch : typed) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
        CPPUNIT_ASSERT(a.accounts().reauthenticate(a.user(), a.proof(" " + typed + " "), kHere, "test").ok());
        CPPUNIT_ASSERT_EQUAL(std::int64_t(8), a.accounts().recovery_codes_left(a.id));
        // Stored as digests only.
        auto q = test::db(*a.t.app).query("SELECT code_hash FROM recovery_codes WHERE user_id = ?");
        q.bind(1, a.id);
        int rows = 0;
        while (q.step()) {
            ++rows;
            CPPUNIT_ASSERT_EQUAL(std::size_t(32), q.text(0).size());
            for (const std::string& c : a.codes) CPPUNIT_ASSERT(q.text(0).find(c.substr(0, 5)) == std::string::npos);
        }
        CPPUNIT_ASSERT_EQUAL(10, rows);
        // Another account's code does not work here.
        On b;
        CPPUNIT_ASSERT(b.accounts().reauthenticate(b.user(), b.proof(a.codes[2]), kHere, "test").result == auth::Reauth::Wrong);
    }

    void wrong_codes_are_throttled_per_account() {
        On a;
        for (int i = 0; i < 5; ++i) {
            auth::ReauthCheck c = a.accounts().reauthenticate(a.user(), a.proof("000000"), kHere, "test");
            if (a.code() == "000000") continue;
            CPPUNIT_ASSERT(c.code && c.result == auth::Reauth::Wrong);
        }
        auth::ReauthCheck throttled = a.accounts().reauthenticate(a.user(), a.proof(a.code()), kHere, "test");
        CPPUNIT_ASSERT(throttled.code && throttled.result == auth::Reauth::Throttled);
        CPPUNIT_ASSERT(throttled.retry_after > 0 && throttled.retry_after <= 15 * 60);
        // The right code was not spent by the throttled attempt: after the window it works.
        a.t.clock->advance(15 * 60);
        CPPUNIT_ASSERT(a.accounts().reauthenticate(a.user(), a.proof(a.code()), kHere, "test").ok());
        // Counted apart from wrong passwords: the password login still works.
        CPPUNIT_ASSERT(a.accounts().log_in(kEmail, test::kGoodPassword, kHere, {}, kBrowser).result ==
                       auth::LoginResult::CodeNeeded);
    }

    void login_with_two_factor_needs_the_code_step() {
        On a;
        std::int64_t sessions = test::session_count(*a.t.app, a.id);
        auth::LoginOutcome first = a.accounts().log_in(kEmail, test::kGoodPassword, kHere, {}, kBrowser);
        CPPUNIT_ASSERT(first.result == auth::LoginResult::CodeNeeded);
        CPPUNIT_ASSERT(first.session_token.empty());
        CPPUNIT_ASSERT(auth::looks_like_token(first.pending_token));
        CPPUNIT_ASSERT_EQUAL(sessions, test::session_count(*a.t.app, a.id));
        // The pending token opens no session.
        CPPUNIT_ASSERT(!a.accounts().identify(first.pending_token));
        auth::LoginOutcome wrong = a.accounts().complete_login(first.pending_token, kBrowser, "123456" == a.code() ? "654321" : "123456", kHere);
        CPPUNIT_ASSERT(wrong.result == auth::LoginResult::Refused);
        auth::LoginOutcome done = a.accounts().complete_login(first.pending_token, kBrowser, a.code(), kHere);
        CPPUNIT_ASSERT(done.result == auth::LoginResult::LoggedIn);
        CPPUNIT_ASSERT(a.accounts().identify(done.session_token));
        CPPUNIT_ASSERT(!done.recovery_code);
        // The pending login is spent.
        CPPUNIT_ASSERT(!a.accounts().pending_login_live(first.pending_token, kBrowser));
        // A second login in the same step cannot use the same code.
        auth::LoginOutcome second = a.accounts().log_in(kEmail, test::kGoodPassword, kHere, {}, kBrowser);
        CPPUNIT_ASSERT(a.accounts().complete_login(second.pending_token, kBrowser, a.code(), kHere).result ==
                       auth::LoginResult::Refused);
        auth::LoginOutcome rescued = a.accounts().complete_login(second.pending_token, kBrowser, a.codes[3], kHere);
        CPPUNIT_ASSERT(rescued.result == auth::LoginResult::LoggedIn);
        CPPUNIT_ASSERT(rescued.recovery_code);
        // A wrong password never reaches the code step.
        CPPUNIT_ASSERT(a.accounts().log_in(kEmail, "not the password at all", kHere, {}, kBrowser).result ==
                       auth::LoginResult::Refused);
    }

    void pending_login_is_bound_to_browser_and_expires() {
        On a;
        std::string token = a.accounts().log_in(kEmail, test::kGoodPassword, kHere, {}, kBrowser).pending_token;
        const std::string other = "another-browser-secret-of-43-characters-bbb";
        CPPUNIT_ASSERT(!a.accounts().pending_login_live(token, other));
        CPPUNIT_ASSERT(!a.accounts().pending_login_live(token, ""));
        CPPUNIT_ASSERT(a.accounts().complete_login(token, other, a.code(), kHere).result == auth::LoginResult::Refused);
        CPPUNIT_ASSERT(a.accounts().pending_login_live(token, kBrowser));
        a.t.clock->advance(auth::TwoFactor::kPendingLoginSeconds);
        CPPUNIT_ASSERT(!a.accounts().pending_login_live(token, kBrowser));
        CPPUNIT_ASSERT(a.accounts().complete_login(token, kBrowser, a.code(), kHere).result == auth::LoginResult::Refused);
        // Stored as a digest.
        auto q = test::db(*a.t.app).query("SELECT count(*) FROM pending_logins WHERE token_hash = ?");
        q.bind(1, token);
        q.step();
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), q.int64(0));
    }

    void pending_login_dies_with_a_password_change() {
        On a;
        std::string token = a.accounts().log_in(kEmail, test::kGoodPassword, kHere, {}, kBrowser).pending_token;
        a.t.app->store().users().bump_session_epoch(a.id);  // "log out other sessions", a reset, a new password
        CPPUNIT_ASSERT(a.accounts().complete_login(token, kBrowser, a.code(), kHere).result == auth::LoginResult::Refused);
        CPPUNIT_ASSERT(!a.accounts().pending_login_live(token, kBrowser));
    }

    void reset_leaves_two_factor_on() {
        On a;
        std::string link = a.t.app->store().reset_tokens().issue(a.id);
        const std::string fresh = "a brand new pass phrase for ada";
        CPPUNIT_ASSERT(a.accounts().reset_password(link, fresh, fresh, kHere).result == auth::ResetResult::Done);
        CPPUNIT_ASSERT(a.accounts().two_factor_on(a.id));
        CPPUNIT_ASSERT(a.accounts().log_in(kEmail, fresh, kHere, {}, kBrowser).result == auth::LoginResult::CodeNeeded);
    }

    void step_up_asks_for_the_code() {
        On a;
        auth::Identity me{};
        me.user = a.user();
        const std::string fresh = "a brand new pass phrase for ada";
        auto missing = a.accounts().change_password(a.user(), a.proof(""), fresh, fresh, kHere);
        CPPUNIT_ASSERT(missing.result == auth::PasswordChangeResult::Reauth);
        CPPUNIT_ASSERT(missing.reauth.code && missing.reauth.result == auth::Reauth::Missing);
        auto email = a.accounts().request_email_change(a.user(), std::string("new@example.test"), a.proof(""), kHere);
        CPPUNIT_ASSERT(email.result == auth::EmailChangeRequestResult::Refused);
        CPPUNIT_ASSERT(email.reauth.code && email.reauth.result == auth::Reauth::Missing);
        auto others = a.accounts().end_other_sessions(me, a.proof(""), kHere);
        CPPUNIT_ASSERT(others.result == auth::EndSessionResult::Reauth && others.reauth.code);
        // A wrong password is reported as such, whatever the code.
        auto wrong_pw = a.accounts().change_password(a.user(), {"not the password at all", a.code()}, fresh, fresh, kHere);
        CPPUNIT_ASSERT(!wrong_pw.reauth.code && wrong_pw.reauth.result == auth::Reauth::Wrong);
        auto done = a.accounts().change_password(a.user(), a.proof(a.code()), fresh, fresh, kHere);
        CPPUNIT_ASSERT(done.result == auth::PasswordChangeResult::Changed);
    }

    void turning_off_and_new_codes_ask_for_a_code() {
        On a;
        auto no_code = a.accounts().new_recovery_codes(a.user(), a.proof(""), kHere);
        CPPUNIT_ASSERT(no_code.result == auth::TwoFactorResult::Reauth && no_code.reauth.code);
        auto fresh = a.accounts().new_recovery_codes(a.user(), a.proof(a.code()), kHere);
        CPPUNIT_ASSERT(fresh.result == auth::TwoFactorResult::Done);
        CPPUNIT_ASSERT_EQUAL(std::size_t(10), fresh.recovery_codes.size());
        // The old codes no longer work.
        a.t.clock->advance(30);
        CPPUNIT_ASSERT(a.accounts().reauthenticate(a.user(), a.proof(a.codes[0]), kHere, "test").result == auth::Reauth::Wrong);
        auto off_wrong = a.accounts().turn_off_two_factor(a.user(), {"not the password at all", a.code()}, kHere);
        CPPUNIT_ASSERT(off_wrong.result == auth::TwoFactorResult::Reauth);
        CPPUNIT_ASSERT(a.accounts().two_factor_on(a.id));
        auto off = a.accounts().turn_off_two_factor(a.user(), a.proof(fresh.recovery_codes[0]), kHere);
        CPPUNIT_ASSERT(off.result == auth::TwoFactorResult::Done);
        CPPUNIT_ASSERT(!a.accounts().two_factor_on(a.id));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), a.accounts().recovery_codes_left(a.id));
        // Off: a password alone logs in, and the changes ask for no code.
        CPPUNIT_ASSERT(a.accounts().log_in(kEmail, test::kGoodPassword, kHere, {}, kBrowser).result ==
                       auth::LoginResult::LoggedIn);
        CPPUNIT_ASSERT(a.accounts().reauthenticate(a.user(), a.proof(""), kHere, "test").ok());
    }

    void notices_are_mailed() {
        On a;
        a.accounts().reauthenticate(a.user(), a.proof(a.codes[0]), kHere, "test");
        a.t.clock->advance(30);
        a.accounts().new_recovery_codes(a.user(), a.proof(a.code()), kHere);
        a.t.clock->advance(30);
        a.accounts().turn_off_two_factor(a.user(), a.proof(a.code()), kHere);
        a.t.deliver();
        std::vector<std::string> subjects;
        std::string all;
        for (const auto& m : a.t.mailer->sent) {
            CPPUNIT_ASSERT_EQUAL(kEmail, m.to);
            all += test::mail_decoded(m.message);
        }
        CPPUNIT_ASSERT_EQUAL(std::size_t(4), a.t.mailer->sent.size());
        CPPUNIT_ASSERT(test::contains(all, "Two-step login was turned on"));
        CPPUNIT_ASSERT(test::contains(all, "A recovery code was used"));
        CPPUNIT_ASSERT(test::contains(all, "9 recovery codes are left"));
        CPPUNIT_ASSERT(test::contains(all, "New recovery codes were made"));
        CPPUNIT_ASSERT(test::contains(all, "Two-step login was turned off"));
        CPPUNIT_ASSERT(test::contains(all, "192.0.2.7"));
        // No secret and no code in any of them.
        CPPUNIT_ASSERT(!test::contains(all, auth::base32_encode(a.secret)));
        for (const std::string& c : a.codes) CPPUNIT_ASSERT(!test::contains(all, c));
    }

    void housekeeping_purges_expired_pending_logins() {
        On a;
        a.accounts().log_in(kEmail, test::kGoodPassword, kHere, {}, kBrowser);
        auto rows = [&] {
            auto q = test::db(*a.t.app).query("SELECT count(*) FROM pending_logins");
            q.step();
            return q.int64(0);
        };
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), rows());
        a.accounts().housekeeping();
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), rows());
        a.t.clock->advance(auth::TwoFactor::kPendingLoginSeconds);
        a.accounts().housekeeping();
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), rows());
        CPPUNIT_ASSERT(a.accounts().two_factor_on(a.id));
    }

    void administrator_turns_it_off() {
        On a;
        CPPUNIT_ASSERT(!a.accounts().admin_turn_off_two_factor("nobody@example.test", kHere, "tester"));
        CPPUNIT_ASSERT(a.accounts().admin_turn_off_two_factor(kEmail, kHere, "tester"));
        CPPUNIT_ASSERT(!a.accounts().two_factor_on(a.id));
        CPPUNIT_ASSERT(!a.accounts().admin_turn_off_two_factor(kEmail, kHere, "tester"));  // not on any more
        a.t.deliver();
        CPPUNIT_ASSERT(test::contains(test::mail_decoded(a.t.mailer->sent.back().message), "Two-step login was turned off"));
        CPPUNIT_ASSERT(a.accounts().log_in(kEmail, test::kGoodPassword, kHere, {}, kBrowser).result ==
                       auth::LoginResult::LoggedIn);
    }

    void setup_belongs_to_the_session_that_started_it() {
        // A stolen cookie (another session of the account, no password)
        // neither sees the key of a set-up the owner started nor confirms it.
        On a(false);
        auto started = a.accounts().start_two_factor(a.me(42), test::kGoodPassword, kHere);
        CPPUNIT_ASSERT(started.result == auth::TwoFactorResult::Done);
        a.secret = started.secret;
        CPPUNIT_ASSERT(!a.accounts().two_factor_setup(a.me(43)));
        CPPUNIT_ASSERT(a.accounts().confirm_two_factor(a.me(43), a.code(), kHere).result == auth::TwoFactorResult::NoSetup);
        CPPUNIT_ASSERT(!a.accounts().two_factor_on(a.id));
        CPPUNIT_ASSERT(a.accounts().two_factor_setup(a.me(42)).value() == a.secret);
        auto on = a.accounts().confirm_two_factor(a.me(42), a.code(), kHere);
        CPPUNIT_ASSERT(on.result == auth::TwoFactorResult::Done);
        CPPUNIT_ASSERT_EQUAL(std::size_t(10), on.recovery_codes.size());
    }

    void a_form_that_cannot_succeed_spends_no_code() {
        On a;
        std::int64_t left = a.accounts().recovery_codes_left(a.id);
        // A new password the policy refuses, and one typed differently twice.
        auto weak = a.accounts().change_password(a.user(), a.proof(a.codes[0]), "short", "short", kHere);
        CPPUNIT_ASSERT(weak.result == auth::PasswordChangeResult::Rejected);
        auto mismatch = a.accounts().change_password(a.user(), a.proof(a.codes[0]), "violet kettle under the moon",
                                                     "violet kettle under the sun", kHere);
        CPPUNIT_ASSERT(mismatch.result == auth::PasswordChangeResult::Mismatch);
        // The account's own address, and none at all.
        auto same = a.accounts().request_email_change(a.user(), std::string(kEmail), a.proof(a.codes[0]), kHere);
        CPPUNIT_ASSERT(same.address == auth::EmailAddressProblem::Same);
        auto none = a.accounts().request_email_change(a.user(), std::nullopt, a.proof(a.codes[0]), kHere);
        CPPUNIT_ASSERT(none.address == auth::EmailAddressProblem::Invalid);
        CPPUNIT_ASSERT_EQUAL(left, a.accounts().recovery_codes_left(a.id));
        // The same recovery code then works for a change that can be made.
        auto done = a.accounts().change_password(a.user(), a.proof(a.codes[0]), "violet kettle under the moon",
                                                 "violet kettle under the moon", kHere);
        CPPUNIT_ASSERT(done.result == auth::PasswordChangeResult::Changed);
        CPPUNIT_ASSERT_EQUAL(left - 1, a.accounts().recovery_codes_left(a.id));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(TwoFactorTest);
