// The account service's part of two-step login (declared in accounts.hh):
// turning it on and off, new recovery codes, the code step of a login, and
// the code asked again before the changes that matter. How a code is
// checked is TwoFactor's (two_factor.hh).
#include "account/accounts.hh"
#include "core/clock.hh"
#include "core/log.hh"

namespace auth {

void Accounts::check_code(const User& user, const std::string& code, std::int64_t session_id, const Client& client,
                          const char* action, ReauthCheck& check) {
    // A passkey step-up's grant stands in for the code (passkeys.cc).
    if (code.starts_with(kGrantPrefix)) {
        bool ok = store_.passkeys().take_grant(std::string_view(code).substr(kGrantPrefix.size()), user.id, session_id,
                                               clock_.now());
        check.code = !ok;
        check.result = ok ? Reauth::Ok : Reauth::Wrong;
        if (!ok) events_.record(client, events::kReauth, Outcome::Failed, user.id, std::string(action) + ": passkey grant unknown, used or expired");
        return;
    }
    CodeCheck c = two_factor_.check(user, code, client.ip);
    check.code = !c.ok();
    switch (c.result) {
        case CodeResult::Ok: check.result = Reauth::Ok; return;
        case CodeResult::Missing: check.result = Reauth::Missing; return;
        case CodeResult::Wrong:
            check.result = Reauth::Wrong;
            events_.record(client, events::kReauth, Outcome::Failed, user.id, std::string(action) + ": wrong code");
            return;
        case CodeResult::Throttled:
            check.result = Reauth::Throttled;
            check.retry_after = c.retry_after;
            events_.record(client, events::kReauth, Outcome::Throttled, user.id, std::string(action) + ": code");
            return;
    }
}

TwoFactorOutcome Accounts::start_two_factor(const Identity& who, const std::string& password, const Client& client) {
    const User& user = who.user;
    TwoFactorOutcome out;
    if (two_factor_.on(user.id)) {
        out.result = TwoFactorResult::AlreadyOn;
        return out;
    }
    out.reauth = reauthenticate(user, Proof{password, ""}, client, "two-step login set-up");
    if (!out.reauth.ok()) return out;
    out.secret = two_factor_.begin_setup(user.id, who.session.id);
    out.result = TwoFactorResult::Done;
    events_.record(client, events::kTwoFactorSetup, Outcome::Ok, user.id);
    return out;
}

TwoFactorOutcome Accounts::confirm_two_factor(const Identity& who, const std::string& code, const Client& client) {
    const User& user = who.user;
    TwoFactorOutcome out;
    auto tx = store_.begin_write();
    if (two_factor_.on(user.id)) {
        out.result = TwoFactorResult::AlreadyOn;
        return out;
    }
    auto c = two_factor_.confirm_setup(user, who.session.id, code, client.ip, out.recovery_codes);
    if (!c) {
        out.result = TwoFactorResult::NoSetup;
        return out;
    }
    out.reauth.code = !c->ok();
    switch (c->result) {
        case CodeResult::Ok: out.result = TwoFactorResult::Done; break;
        case CodeResult::Missing: out.reauth.result = Reauth::Missing; break;
        case CodeResult::Wrong: out.reauth.result = Reauth::Wrong; break;
        case CodeResult::Throttled:
            out.reauth.result = Reauth::Throttled;
            out.reauth.retry_after = c->retry_after;
            tx.reset();  // nothing recorded
            events_.record(client, events::kTwoFactorOn, Outcome::Throttled, user.id);
            return out;
    }
    tx->commit();
    if (out.result == TwoFactorResult::Done)
        events_.record(client, events::kTwoFactorOn, Outcome::Ok, user.id);
    else if (out.reauth.result == Reauth::Wrong)
        events_.record(client, events::kTwoFactorOn, Outcome::Failed, user.id, "wrong code");
    return out;
}

TwoFactorOutcome Accounts::asked_again(const User& user, const Proof& current, const Client& client,
                                        const char* action, const char* event,
                                        const std::function<void(TwoFactorOutcome&)>& change) {
    TwoFactorOutcome out;
    if (!two_factor_.on(user.id)) {
        out.result = TwoFactorResult::NotOn;
        return out;
    }
    out.reauth = reauthenticate(user, current, client, action);
    if (!out.reauth.ok()) return out;
    auto tx = store_.begin_write();
    if (!still_current(user) || !two_factor_.on(user.id)) {
        // A new password (or it was turned off) since the check: not with that password.
        out.reauth.result = Reauth::Wrong;
        return out;
    }
    change(out);
    tx->commit();
    out.result = TwoFactorResult::Done;
    events_.record(client, event, Outcome::Ok, user.id);
    return out;
}

TwoFactorOutcome Accounts::turn_off_two_factor(const User& user, const Proof& current, const Client& client) {
    return asked_again(user, current, client, "turning two-step login off", events::kTwoFactorOff, [&](TwoFactorOutcome&) {
        two_factor_.turn_off(user.id);
        notices_.queue(Notice::TwoFactorOff, {user.email, user.name, client.ip, ""});
    });
}

TwoFactorOutcome Accounts::new_recovery_codes(const User& user, const Proof& current, const Client& client) {
    return asked_again(user, current, client, "new recovery codes", events::kRecoveryCodes, [&](TwoFactorOutcome& out) {
        out.recovery_codes = two_factor_.new_recovery_codes(user.id);
        notices_.queue(Notice::RecoveryCodesMade, {user.email, user.name, client.ip, ""});
    });
}

bool Accounts::admin_turn_off_two_factor(const std::string& email, const Client& client, std::string_view actor) {
    auto tx = store_.begin_write();
    auto user = store_.users().find_by_email(email);
    if (!user || !two_factor_.on(user->id)) return false;
    two_factor_.turn_off(user->id);
    notices_.queue(Notice::TwoFactorOff, {user->email, user->name, "the site's administrator", ""});
    tx->commit();
    events_.record(client, events::kTwoFactorOff, Outcome::Ok, user->id, "by the administrator", actor);
    return true;
}

bool Accounts::pending_login_live(std::string_view pending_token, std::string_view browser_secret) {
    return two_factor_.pending_login(pending_token, browser_secret).has_value();
}

LoginOutcome Accounts::complete_login(std::string_view pending_token, std::string_view browser_secret,
                                      const std::string& code, const Client& client, std::string_view old_session_token) {
    LoginOutcome out;
    auto tx = store_.begin_write();
    auto pending = two_factor_.pending_login(pending_token, browser_secret);
    if (!pending) return out;  // Refused: expired, used, or another browser's
    auto user = store_.users().find_by_id(pending->user_id);
    if (!user || user->session_epoch != pending->session_epoch || !two_factor_.on(user->id)) {
        // A new password, a reset or "log out other sessions" since the
        // password step (or two-step login turned off): start again.
        store_.two_factor().end_pending_login(pending->id);
        tx->commit();
        events_.record(client, events::kLogin, Outcome::Refused, pending->user_id,
                       "code step: the account changed since the password step");
        return out;
    }
    out.user_id = user->id;
    CodeCheck c = two_factor_.check(*user, code, client.ip);
    switch (c.result) {
        case CodeResult::Throttled:
            out.result = LoginResult::Throttled;
            out.retry_after = c.retry_after;
            tx.reset();
            events_.record(client, events::kLogin, Outcome::Throttled, user->id, "code step");
            return out;
        case CodeResult::Missing:
            return out;
        case CodeResult::Wrong:
            tx->commit();  // the failure counts
            events_.record(client, events::kLogin, Outcome::Failed, user->id, "code step: wrong code");
            return out;
        case CodeResult::Ok:
            break;
    }
    store_.two_factor().end_pending_login(pending->id);
    if (!old_session_token.empty()) store_.sessions().destroy(old_session_token);
    out.session_token = store_.sessions().create(user->id, client.ip, client.user_agent);
    tx->commit();
    out.result = LoginResult::LoggedIn;
    out.recovery_code = c.recovery_code;
    events_.record(client, events::kLogin, Outcome::Ok, user->id, c.recovery_code ? "with a recovery code" : "with a code");
    return out;
}

}  // namespace auth
