// Tests of passkeys in the account service and on the pages, with the
// recorded messages of tests/data/webauthn/ (their challenges are fixed, so
// the tests issue them through the store as the site would have): adding a
// passkey, logging in with it (both factors, the session marked, the notice
// for a new browser), and what is refused: a replayed assertion, a
// challenge of another browser or past its 5 minutes, another origin, an
// unknown credential, another account's credential at a step-up; the step-up
// grant standing in for a code once; rename and remove; a password reset
// leaves passkeys; the last way to log in is not removed; a host without
// libcrypto (ES256) says so.
#include <cppunit/extensions/HelperMacros.h>

#include <algorithm>
#include <fstream>
#include <map>

#include "core/crypto.hh"
#include "core/totp.hh"
#include "pages/pages.hh"
#include "store/sqlite/db.hh"
#include "support.hh"

using test::contains;

namespace {

std::map<std::string, std::string> recording(const std::string& name) {
    std::ifstream in(test::source_dir() + "/tests/data/webauthn/" + name + ".txt");
    std::map<std::string, std::string> r;
    std::string line;
    while (std::getline(in, line)) {
        auto eq = line.find('=');
        if (eq != std::string::npos) r[line.substr(0, eq)] = line.substr(eq + 1);
    }
    CPPUNIT_ASSERT(!r.empty());
    return r;
}

std::string raw(const std::map<std::string, std::string>& r, const std::string& key) {
    return *auth::base64url_decode(r.at(key));
}

const std::string kBrowser = auth::random_token(32);

struct Fixture {
    std::map<std::string, std::string> rec;
    test::TestApp t;
    std::int64_t id;
    auth::Identity who;
    auth::Client client{"127.0.0.1", "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0", "test"};

    explicit Fixture(const std::string& name = "es256", const std::string& base_url = "")
        : rec(recording(name)), t(base_url.empty() ? rec.at("origin") : base_url) {
        id = test::make_user(*t.app, "ada@example.test", test::kGoodPassword, "Ada Lovelace");
        who = *accounts().identify(t.app->store().sessions().create(id, "127.0.0.1", "test"));
    }
    auth::Accounts& accounts() { return t.app->accounts; }
    // The recorded challenge issued as the site would issue it.
    void issue(const std::string& key, const char* purpose, const std::string& browser = kBrowser,
               std::optional<auth::Identity> for_who = std::nullopt) {
        auth::PasskeyChallenge c{purpose, auth::token_digest(browser), for_who ? for_who->user.id : 0,
                                 for_who ? for_who->session.id : 0, ""};
        auto tx = t.app->store().begin_write();
        t.app->store().passkeys().add_challenge(raw(rec, key), c, t.clock->now() + 300);
        tx->commit();
    }
    auth::PasskeyResponse registration() {
        auth::PasskeyResponse r;
        r.credential_id = raw(rec, "credential_id");
        r.client_data_json = raw(rec, "reg_client_data");
        r.attestation_object = raw(rec, "attestation_object");
        return r;
    }
    auth::PasskeyResponse assertion(const std::string& suffix = "") {
        auth::PasskeyResponse r;
        r.credential_id = raw(rec, "credential_id");
        r.client_data_json = raw(rec, "get_client_data" + suffix);
        r.authenticator_data = raw(rec, "authenticator_data" + suffix);
        r.signature = raw(rec, "signature" + suffix);
        r.user_handle = raw(rec, "user_handle");
        return r;
    }
    auth::PasskeyOutcome add(const std::string& name = "Laptop") {
        issue("reg_challenge", "register", kBrowser, who);
        auto out = accounts().add_passkey(who, registration(), name, client, kBrowser);
        // The recording's user handle, as the recorder gave it to the authenticator.
        test::db(*t.app).query("UPDATE passkeys SET user_handle = ?").bind_blob(1, raw(rec, "user_handle")).exec();
        return out;
    }
    auth::PasskeyOutcome login(const std::string& suffix = "", const std::string& browser = kBrowser,
                               bool issue_challenge = true) {
        if (issue_challenge) issue("get_challenge", "login", browser);
        return accounts().log_in_with_passkey(assertion(suffix), client, "", kBrowser, "");
    }
};

}  // namespace

class PasskeysTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(PasskeysTest);
    CPPUNIT_TEST(add_then_log_in);
    CPPUNIT_TEST(eddsa_passkey_logs_in);
    CPPUNIT_TEST(registration_needs_its_own_challenge);
    CPPUNIT_TEST(replayed_assertion_refused);
    CPPUNIT_TEST(challenge_bound_to_browser_and_lifetime);
    CPPUNIT_TEST(other_origin_refused);
    CPPUNIT_TEST(unknown_or_removed_credential_refused);
    CPPUNIT_TEST(step_up_with_another_accounts_credential_refused);
    CPPUNIT_TEST(step_up_grant_is_a_code_once);
    CPPUNIT_TEST(step_up_grant_counts_only_in_its_session);
    CPPUNIT_TEST(login_challenges_per_network_are_limited);
    CPPUNIT_TEST(challenges_stay_in_their_ceremony);
    CPPUNIT_TEST(login_ends_the_old_session);
    CPPUNIT_TEST(a_locked_account_does_not_open_with_a_passkey);
    CPPUNIT_TEST(rename_remove_and_last_way);
    CPPUNIT_TEST(removal_notifies_owner);
    CPPUNIT_TEST(password_reset_leaves_passkeys);
    CPPUNIT_TEST(pages_show_button_and_list);
    CPPUNIT_TEST(es256_without_libcrypto);
    CPPUNIT_TEST_SUITE_END();

public:
    void add_then_log_in() {
        Fixture f;
        auto added = f.add();
        CPPUNIT_ASSERT(added.result == auth::PasskeyResult::Done);
        auto keys = f.accounts().passkeys_of(f.id);
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), keys.size());
        CPPUNIT_ASSERT_EQUAL(std::string("Laptop"), keys[0].name);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), keys[0].sign_count);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), keys[0].last_used_at);
        std::int64_t mails = test::queued_mails(*f.t.app);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), mails);  // "a passkey was added"

        auto login = f.login();
        CPPUNIT_ASSERT(login.result == auth::PasskeyResult::Done);
        CPPUNIT_ASSERT(!login.session_token.empty());
        CPPUNIT_ASSERT(!login.browser_token.empty());
        CPPUNIT_ASSERT_EQUAL(mails + 1, test::queued_mails(*f.t.app));  // new browser
        auto who = f.accounts().identify(login.session_token);
        CPPUNIT_ASSERT(who && who->user.id == f.id);
        bool marked = false;
        for (const auth::SessionInfo& s : f.accounts().sessions_of(f.id)) marked |= s.id == who->session.id && s.passkey;
        CPPUNIT_ASSERT(marked);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(2), f.accounts().passkeys_of(f.id)[0].sign_count);

        // The same browser again (its cookie): no second notice.
        f.issue("get_challenge", "login");
        auto again = f.accounts().log_in_with_passkey(f.assertion("_2"), f.client, "", kBrowser, login.browser_token);
        CPPUNIT_ASSERT(again.result == auth::PasskeyResult::Done);
        CPPUNIT_ASSERT(again.browser_token.empty());
        CPPUNIT_ASSERT_EQUAL(mails + 1, test::queued_mails(*f.t.app));
    }

    void eddsa_passkey_logs_in() {
        Fixture f("eddsa");
        CPPUNIT_ASSERT(f.add().result == auth::PasskeyResult::Done);
        CPPUNIT_ASSERT(f.login().result == auth::PasskeyResult::Done);
    }

    void registration_needs_its_own_challenge() {
        Fixture f;
        // No challenge issued, one for a login, one for another session.
        auto out = f.accounts().add_passkey(f.who, f.registration(), "x", f.client, kBrowser);
        CPPUNIT_ASSERT(out.problem == auth::PasskeyProblem::Challenge);
        f.issue("reg_challenge", "login");
        CPPUNIT_ASSERT(f.accounts().add_passkey(f.who, f.registration(), "x", f.client, kBrowser).problem ==
                       auth::PasskeyProblem::Challenge);
        auth::Identity other = f.who;
        other.session.id += 1000;
        f.issue("reg_challenge", "register", kBrowser, other);
        CPPUNIT_ASSERT(f.accounts().add_passkey(f.who, f.registration(), "x", f.client, kBrowser).problem ==
                       auth::PasskeyProblem::Challenge);
        // The credential id the browser named must be the attested one.
        f.issue("reg_challenge", "register", kBrowser, f.who);
        auto r = f.registration();
        r.credential_id[0] ^= 1;
        CPPUNIT_ASSERT(f.accounts().add_passkey(f.who, r, "x", f.client, kBrowser).problem ==
                       auth::PasskeyProblem::Malformed);
        CPPUNIT_ASSERT(f.accounts().passkeys_of(f.id).empty());
        CPPUNIT_ASSERT(f.add().result == auth::PasskeyResult::Done);
        // The same credential again.
        f.issue("reg_challenge", "register", kBrowser, f.who);
        CPPUNIT_ASSERT(f.accounts().add_passkey(f.who, f.registration(), "x", f.client, kBrowser).problem ==
                       auth::PasskeyProblem::Taken);
    }

    void replayed_assertion_refused() {
        Fixture f;
        f.add();
        CPPUNIT_ASSERT(f.login().result == auth::PasskeyResult::Done);
        // The same answer again: its challenge is used up.
        auto replay = f.login("", kBrowser, false);
        CPPUNIT_ASSERT(replay.problem == auth::PasskeyProblem::Challenge);
        // Even with its challenge issued again, the counter has not grown.
        replay = f.login();
        CPPUNIT_ASSERT(replay.problem == auth::PasskeyProblem::CounterBackwards);
        CPPUNIT_ASSERT(replay.session_token.empty());
    }

    void challenge_bound_to_browser_and_lifetime() {
        Fixture f;
        f.add();
        CPPUNIT_ASSERT(f.login("", auth::random_token(32)).problem == auth::PasskeyProblem::Challenge);
        f.issue("get_challenge", "login");
        f.t.clock->advance(300);
        CPPUNIT_ASSERT(f.login("", kBrowser, false).problem == auth::PasskeyProblem::Challenge);
        // A challenge the site made itself is 32 random bytes, kept only as a digest.
        auto c = f.accounts().passkey_login_challenge(kBrowser, f.client);
        CPPUNIT_ASSERT_EQUAL(std::size_t(32), auth::base64url_decode(c.challenge)->size());
        auto q = test::db(*f.t.app).query("SELECT count(*) FROM passkey_challenges WHERE challenge_hash = ?");
        q.bind_blob(1, *auth::base64url_decode(c.challenge));
        q.step();
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), q.int64(0));
    }

    void other_origin_refused() {
        Fixture f("es256", "http://localhost:1");
        f.issue("reg_challenge", "register", kBrowser, f.who);
        CPPUNIT_ASSERT(f.accounts().add_passkey(f.who, f.registration(), "x", f.client, kBrowser).problem ==
                       auth::PasskeyProblem::WrongOrigin);
        // A login answer made for the recorded origin, on this site.
        f.t.app->store().passkeys().add(auth::Passkey{0, f.id, raw(f.rec, "credential_id"), "", raw(f.rec, "user_handle"),
                                                      0, "x", 0, 0});
        CPPUNIT_ASSERT(f.login().problem == auth::PasskeyProblem::WrongOrigin);
    }

    void unknown_or_removed_credential_refused() {
        Fixture f;
        CPPUNIT_ASSERT(f.login().problem == auth::PasskeyProblem::UnknownCredential);
        f.add();
        auto id = f.accounts().passkeys_of(f.id)[0].id;
        CPPUNIT_ASSERT(f.accounts().remove_passkey(f.who.user, id, f.client).result == auth::PasskeyResult::Done);
        CPPUNIT_ASSERT(f.login().problem == auth::PasskeyProblem::UnknownCredential);
    }

    void step_up_with_another_accounts_credential_refused() {
        Fixture f;
        f.add();
        auto bob_id = test::make_user(*f.t.app, "bob@example.test", test::kGoodPassword, "Bob");
        auto bob = *f.accounts().identify(f.t.app->store().sessions().create(bob_id, "127.0.0.1", "test"));
        f.issue("get_challenge", "step-up", kBrowser, bob);
        auto out = f.accounts().passkey_step_up(bob, f.assertion(), f.client, kBrowser);
        CPPUNIT_ASSERT(out.problem == auth::PasskeyProblem::OtherAccount);
        CPPUNIT_ASSERT(out.grant.empty());
        // Bob has no passkey: no challenge for him.
        CPPUNIT_ASSERT(f.accounts().passkey_step_up_challenge(bob, kBrowser).result == auth::PasskeyResult::NotFound);
        // A login with Ada's credential but another user handle.
        f.issue("get_challenge", "login");
        auto a = f.assertion();
        a.user_handle = "someone else";
        CPPUNIT_ASSERT(f.accounts().log_in_with_passkey(a, f.client, "", kBrowser, "").problem ==
                       auth::PasskeyProblem::OtherAccount);
    }

    void step_up_grant_is_a_code_once() {
        Fixture f;
        f.add();
        f.issue("get_challenge", "step-up", kBrowser, f.who);
        auto out = f.accounts().passkey_step_up(f.who, f.assertion(), f.client, kBrowser);
        CPPUNIT_ASSERT(out.result == auth::PasskeyResult::Done);
        CPPUNIT_ASSERT(out.grant.starts_with("passkey:"));
        // Taken once, by its account and in its session only.
        std::string token = out.grant.substr(8);
        const std::int64_t session = f.who.session.id;
        CPPUNIT_ASSERT(!f.t.app->store().passkeys().take_grant(token, f.id + 1, session, f.t.clock->now()));
        CPPUNIT_ASSERT(!f.t.app->store().passkeys().take_grant(token, f.id, session + 1, f.t.clock->now()));
        CPPUNIT_ASSERT(f.t.app->store().passkeys().take_grant(token, f.id, session, f.t.clock->now()));
        CPPUNIT_ASSERT(!f.t.app->store().passkeys().take_grant(token, f.id, session, f.t.clock->now()));
    }

    // Anyone may ask for a login challenge: a network has at most
    // kLoginChallengesPerNetwork alive, others are not held back, and the
    // page says so with 429 and Retry-After.
    void login_challenges_per_network_are_limited() {
        Fixture f;
        const auto limit = auth::Accounts::kLoginChallengesPerNetwork;
        auth::Client v6 = f.client;
        for (std::int64_t i = 0; i < limit; ++i) {
            v6.ip = "2001:db8:1:2::" + std::to_string(i + 1);  // one /64
            CPPUNIT_ASSERT(f.accounts().passkey_login_challenge(kBrowser, v6).result == auth::PasskeyResult::Done);
        }
        v6.ip = "2001:db8:1:2:ffff::1";
        auto refused = f.accounts().passkey_login_challenge(auth::random_token(32), v6);
        CPPUNIT_ASSERT(refused.result == auth::PasskeyResult::Throttled);
        CPPUNIT_ASSERT(refused.challenge.empty());
        v6.ip = "2001:db8:1:3::1";  // the next /64
        CPPUNIT_ASSERT(f.accounts().passkey_login_challenge(kBrowser, v6).result == auth::PasskeyResult::Done);
        CPPUNIT_ASSERT(f.accounts().passkey_login_challenge(kBrowser, f.client).result == auth::PasskeyResult::Done);
        // Through the page, from 127.0.0.1 (f.client's) once it is used up.
        for (std::int64_t i = 1; i < limit; ++i)
            CPPUNIT_ASSERT(f.accounts().passkey_login_challenge(kBrowser, f.client).result == auth::PasskeyResult::Done);
        test::Browser b(*f.t.app);
        b.get(pages::login, "/login");
        auth::Response page = b.post(pages::passkey, "/login/passkey/challenge", {});
        CPPUNIT_ASSERT_EQUAL(429, page.status);
        CPPUNIT_ASSERT_EQUAL(std::string("300"), test::header_value(page, "Retry-After"));
        CPPUNIT_ASSERT(contains(page.body, "{\"error\":\"Too many passkey logins"));
        // Alive ones only: once they expire the network may ask again.
        f.t.clock->advance(auth::Accounts::kPasskeyChallengeLifetime);
        v6.ip = "2001:db8:1:2::1";
        CPPUNIT_ASSERT(f.accounts().passkey_login_challenge(kBrowser, v6).result == auth::PasskeyResult::Done);
    }

    // A grant earned in one session is no code in another session of the
    // same account (a second browser, or a stolen session cookie).
    void step_up_grant_counts_only_in_its_session() {
        Fixture f;
        f.add();
        auto started = f.accounts().start_two_factor(f.who, test::kGoodPassword, f.client);
        CPPUNIT_ASSERT(started.result == auth::TwoFactorResult::Done);
        auto on = f.accounts().confirm_two_factor(f.who, auth::totp(started.secret, auth::totp_step(f.t.clock->now())),
                                                  f.client);
        CPPUNIT_ASSERT(on.result == auth::TwoFactorResult::Done);
        f.who = *f.accounts().identify(f.t.app->store().sessions().create(f.id, "127.0.0.1", "test"));
        f.issue("get_challenge", "step-up", kBrowser, f.who);
        auto out = f.accounts().passkey_step_up(f.who, f.assertion(), f.client, kBrowser);
        CPPUNIT_ASSERT(out.result == auth::PasskeyResult::Done);
        auth::Proof elsewhere{test::kGoodPassword, out.grant, f.who.session.id + 1};
        auto refused = f.accounts().new_recovery_codes(f.who.user, elsewhere, f.client);
        CPPUNIT_ASSERT(refused.reauth.result == auth::Reauth::Wrong);
        CPPUNIT_ASSERT(refused.reauth.code);
        auth::Proof here{test::kGoodPassword, out.grant, f.who.session.id};
        CPPUNIT_ASSERT(f.accounts().new_recovery_codes(f.who.user, here, f.client).reauth.ok());
    }

    // A login challenge does not serve a step-up, nor a step-up's a login,
    // and a step-up's challenge is its session's.
    void challenges_stay_in_their_ceremony() {
        Fixture f;
        f.add();
        f.issue("get_challenge", "login");
        CPPUNIT_ASSERT(f.accounts().passkey_step_up(f.who, f.assertion(), f.client, kBrowser).problem ==
                       auth::PasskeyProblem::Challenge);
        f.issue("get_challenge", "step-up", kBrowser, f.who);
        CPPUNIT_ASSERT(f.login("", kBrowser, false).problem == auth::PasskeyProblem::Challenge);
        auth::Identity other = f.who;
        other.session.id += 1000;
        f.issue("get_challenge", "step-up", kBrowser, other);
        CPPUNIT_ASSERT(f.accounts().passkey_step_up(f.who, f.assertion(), f.client, kBrowser).problem ==
                       auth::PasskeyProblem::Challenge);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), f.accounts().passkeys_of(f.id)[0].sign_count);  // none was used
    }

    // As a password login: the session the browser had ends (fixation).
    void login_ends_the_old_session() {
        Fixture f;
        f.add();
        std::string old = f.t.app->store().sessions().create(f.id, "127.0.0.1", "test");
        f.issue("get_challenge", "login");
        auto login = f.accounts().log_in_with_passkey(f.assertion(), f.client, old, kBrowser, "");
        CPPUNIT_ASSERT(login.result == auth::PasskeyResult::Done);
        CPPUNIT_ASSERT(login.session_token != old);
        CPPUNIT_ASSERT(!f.accounts().identify(old));
        CPPUNIT_ASSERT(f.accounts().identify(login.session_token));
    }

    // A locked account (admin area) opens with a passkey no more than with
    // its password; unlocked, the passkey works again.
    void a_locked_account_does_not_open_with_a_passkey() {
        Fixture f;
        f.add();
        auth::Client admin{"127.0.0.1", "test", "test"};
        CPPUNIT_ASSERT(f.accounts().lock_account(f.id, admin, "root") == auth::AdminResult::Done);
        f.issue("get_challenge", "login");
        auto login = f.accounts().log_in_with_passkey(f.assertion(), f.client, "", kBrowser, "");
        CPPUNIT_ASSERT(login.result == auth::PasskeyResult::Refused);
        CPPUNIT_ASSERT(login.problem == auth::PasskeyProblem::Locked);
        CPPUNIT_ASSERT(login.session_token.empty());
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), *f.accounts().account_summary(f.id)->passkeys);
    }

    void rename_remove_and_last_way() {
        Fixture f;
        f.add();
        auto id = f.accounts().passkeys_of(f.id)[0].id;
        CPPUNIT_ASSERT(f.accounts().rename_passkey(f.who.user, id, "Phone", f.client).result == auth::PasskeyResult::Done);
        CPPUNIT_ASSERT_EQUAL(std::string("Phone"), f.accounts().passkeys_of(f.id)[0].name);
        auth::User other;
        other.id = f.id + 1;
        CPPUNIT_ASSERT(f.accounts().rename_passkey(other, id, "Mine", f.client).result == auth::PasskeyResult::NotFound);
        CPPUNIT_ASSERT(f.accounts().remove_passkey(other, id, f.client).result == auth::PasskeyResult::NotFound);
        // An account without a password keeps its last passkey.
        test::db(*f.t.app).query("UPDATE users SET password_hash = '' WHERE id = ?").bind(1, f.id).exec();
        CPPUNIT_ASSERT(f.accounts().remove_passkey(f.who.user, id, f.client).result == auth::PasskeyResult::LastWay);
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), f.accounts().passkeys_of(f.id).size());
    }

    // Removing an authenticator is a change the owner hears of (ASVS 2.5.5),
    // as adding one is: a stolen session may remove a passkey unasked.
    void removal_notifies_owner() {
        Fixture f;
        f.add();
        std::int64_t mails = test::queued_mails(*f.t.app);
        auto id = f.accounts().passkeys_of(f.id)[0].id;
        CPPUNIT_ASSERT(f.accounts().remove_passkey(f.who.user, id, f.client).result == auth::PasskeyResult::Done);
        CPPUNIT_ASSERT_EQUAL(mails + 1, test::queued_mails(*f.t.app));
        // None for a refusal.
        CPPUNIT_ASSERT(f.accounts().remove_passkey(f.who.user, id, f.client).result == auth::PasskeyResult::NotFound);
        CPPUNIT_ASSERT_EQUAL(mails + 1, test::queued_mails(*f.t.app));
    }

    void password_reset_leaves_passkeys() {
        Fixture f;
        f.add();
        auto token = f.t.app->store().reset_tokens().issue(f.id);
        auto reset = f.accounts().reset_password(token, "a brand new pass phrase for ada", "a brand new pass phrase for ada",
                                                 f.client);
        CPPUNIT_ASSERT(reset.result == auth::ResetResult::Done);
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), f.accounts().passkeys_of(f.id).size());
        CPPUNIT_ASSERT(f.login().result == auth::PasskeyResult::Done);
    }

    void pages_show_button_and_list() {
        Fixture f;
        test::Browser b(*f.t.app);
        auth::Response login = b.get(pages::login, "/login");
        CPPUNIT_ASSERT(contains(login.body, "Log in with a passkey"));
        CPPUNIT_ASSERT(contains(login.body, "autocomplete=\"username webauthn\""));
        auth::Response challenge = b.post(pages::passkey, "/login/passkey/challenge", {});
        CPPUNIT_ASSERT_EQUAL(200, challenge.status);
        CPPUNIT_ASSERT(contains(test::header_value(challenge, "Content-Type"), "application/json"));
        CPPUNIT_ASSERT(contains(challenge.body, "{\"challenge\":\""));
        // A damaged answer: 400 on the login page, nothing logged in.
        auth::Response bad = b.post(pages::passkey, "/login/passkey", {{"credential_id", "!!"}});
        CPPUNIT_ASSERT_EQUAL(400, bad.status);
        CPPUNIT_ASSERT(contains(bad.body, "passkey-error"));
        // Logged in: the list, empty; adding asks for the password.
        CPPUNIT_ASSERT_EQUAL(303, test::log_in(b, "ada@example.test", test::kGoodPassword).status);
        auth::Response list = b.get(pages::passkey, "/profile/passkeys");
        CPPUNIT_ASSERT_EQUAL(200, list.status);
        CPPUNIT_ASSERT(contains(list.body, "You have no passkeys yet."));
        auth::Response wrong = b.post(pages::passkey, "/profile/passkeys/new", {{"name", "Laptop"}, {"current_password", "nope"}});
        CPPUNIT_ASSERT_EQUAL(403, wrong.status);
        auth::Response start =
            b.post(pages::passkey, "/profile/passkeys/new", {{"name", "Laptop"}, {"current_password", test::kGoodPassword}});
        CPPUNIT_ASSERT_EQUAL(200, start.status);
        CPPUNIT_ASSERT(contains(start.body, "data-challenge=\""));
        CPPUNIT_ASSERT(contains(start.body, "Create the passkey"));
    }

    // On a host without libcrypto.so.3 an ES256 passkey cannot be checked:
    // each page that needs it says so (503) where the person is, the log
    // has one line naming the library and its package, nothing is kept;
    // passwords, and EdDSA passkeys (libsodium), work as before.
    void es256_without_libcrypto() {
        Fixture f;
        CPPUNIT_ASSERT(f.add().result == auth::PasskeyResult::Done);  // while libcrypto was there
        const std::string unavailable = "Passkeys are not available on this server right now.";
        auto fields = [&](std::initializer_list<std::pair<const char*, const char*>> names) {
            std::map<std::string, std::string> form;
            for (auto [field, key] : names) form[field] = f.rec.at(key);
            return form;
        };
        auto assertion = [&] {
            return fields({{"credential_id", "credential_id"}, {"client_data", "get_client_data"},
                           {"authenticator_data", "authenticator_data"}, {"signature", "signature"},
                           {"user_handle", "user_handle"}});
        };
        auto one_line_naming_libcrypto = [](const std::string& log) {
            return std::count(log.begin(), log.end(), '\n') == 1 && contains(log, "libcrypto.so.3") &&
                   contains(log, "(install libssl3)");
        };
        test::WithoutLibcrypto missing;

        test::Browser b(*f.t.app);
        b.get(pages::login, "/login");
        f.issue("get_challenge", "login", b.cookies()["csrf"]);
        {
            test::CaptureStderr log;
            auth::Response r = b.post(pages::passkey, "/login/passkey", assertion());
            CPPUNIT_ASSERT_EQUAL(503, r.status);
            CPPUNIT_ASSERT(contains(r.body, unavailable));
            CPPUNIT_ASSERT(contains(r.body, "name=\"password\""));  // the login form, to use the password
            CPPUNIT_ASSERT(!test::sets_cookie(r, "sid"));
            CPPUNIT_ASSERT(one_line_naming_libcrypto(log.text()));
            CPPUNIT_ASSERT(contains(log.text(), "passkey login refused from 127.0.0.1: passkeys: libcrypto cannot be "
                                                "loaded (install libssl3): libcrypto.so.3: "));
        }
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), f.accounts().passkeys_of(f.id)[0].sign_count);  // not used
        CPPUNIT_ASSERT_EQUAL(303, test::log_in(b, "ada@example.test", test::kGoodPassword).status);

        // Logged in: a passkey in place of a code (JSON for site.js), and adding one.
        auto who = *f.accounts().identify(b.cookies()["sid"]);
        b.get(pages::passkey, "/profile/passkeys");
        f.issue("get_challenge", "step-up", b.cookies()["csrf"], who);
        {
            test::CaptureStderr log;
            auth::Response r = b.post(pages::passkey, "/profile/passkeys/confirm", assertion());
            CPPUNIT_ASSERT_EQUAL(503, r.status);
            CPPUNIT_ASSERT_EQUAL("{\"error\":\"" + unavailable + " Please try again later.\"}", r.body);
            CPPUNIT_ASSERT(one_line_naming_libcrypto(log.text()));
        }
        test::db(*f.t.app).query("DELETE FROM passkeys").exec();
        f.issue("reg_challenge", "register", b.cookies()["csrf"], who);
        {
            test::CaptureStderr log;
            auto form = fields({{"credential_id", "credential_id"}, {"client_data", "reg_client_data"},
                                {"attestation_object", "attestation_object"}});
            form["name"] = "Laptop";
            auth::Response r = b.post(pages::passkey, "/profile/passkeys/add", form);
            CPPUNIT_ASSERT_EQUAL(503, r.status);
            CPPUNIT_ASSERT(contains(r.body, unavailable));
            CPPUNIT_ASSERT(one_line_naming_libcrypto(log.text()));
            CPPUNIT_ASSERT(f.accounts().passkeys_of(f.id).empty());
        }

        Fixture eddsa("eddsa");
        CPPUNIT_ASSERT(eddsa.add().result == auth::PasskeyResult::Done);
        CPPUNIT_ASSERT(eddsa.login().result == auth::PasskeyResult::Done);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(PasskeysTest);
