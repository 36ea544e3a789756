#include "web/visitor.hh"

#include <map>
#include <utility>

#include "web/app.hh"
#include "core/crypto.hh"

namespace auth {

std::optional<std::string> flash_text(const std::string& code) {
    static const std::map<std::string, std::string> texts = {
        {"account_created", "Account created. You can log in now."},
        {"account_confirmed", "Your email address is confirmed and your account is ready. You are logged in."},
        {"logged_in", "You are logged in."},
        {"logged_out", "You are logged out."},
        {"profile_saved", "Profile saved."},
        {"password_changed", "Password changed. Your other sessions have been ended."},
        {"password_reset", "Your password has been changed. Log in with the new one."},
        {"picture_removed", "Profile saved. Your picture has been removed."},
        {"email_change_sent", "We sent a link to the new address. Your email address changes when you open it."},
        {"email_change_cancelled", "The change of your email address has been cancelled."},
        {"email_changed", "Your email address has been changed."},
        {"session_ended", "That session has been ended."},
        {"other_sessions_ended", "All your other sessions have been ended."},
        {"logged_in_recovery_code",
         "You are logged in with a recovery code, which now no longer works. See how many you have left on your "
         "profile page."},
        {"login_again", "That login took longer than 5 minutes, or was started in another browser. Please log in again."},
        {"logged_in_passkey", "You are logged in with your passkey."},
        {"passkey_added", "Passkey added. You can log in with it now."},
        {"passkey_renamed", "Passkey renamed."},
        {"passkey_removed", "Passkey removed. It no longer opens your account."},
        {"two_factor_off", "Two-step login is off. Your password alone opens your account now."},
        {"account_deleted", "Your account has been deleted, with everything the site kept about it."},
        {"admin_locked", "The account is locked and its sessions have ended."},
        {"admin_unlocked", "The account is unlocked."},
        {"admin_sessions_ended", "Every session of the account has ended."},
        {"admin_reset_sent", "A reset link is on its way to the account's address."},
        {"admin_two_factor_off", "Two-step login is off for the account; its owner has been told."},
        {"admin_unchanged", "Nothing to change: the account was already so."},
        {"admin_too_many_mails", "Not sent: the address has had its share of mail this hour (MAIL_MAX_PER_HOUR)."},
        {"admin_mail_retried", "Every failed message is due again; the next delivery run tries them."},
        {"admin_deleted", "The account has been deleted."},
    };
    auto it = texts.find(code);
    if (it == texts.end()) return std::nullopt;
    return it->second;
}

Visitor identify(const Request& request, App& app) {
    Visitor v;
    if (auto token = request.cookie(app.cookie_name("sid"))) {
        v.who = app.accounts.identify(*token);
        if (v.who)
            v.session_token = std::move(*token);
        else
            v.stale_session_cookie = true;
    }
    auto secret = request.cookie(app.cookie_name("csrf"));
    if (secret && looks_like_token(*secret)) {
        v.browser_secret = std::move(*secret);
    } else {
        v.browser_secret = random_token(32);
        v.new_browser_secret = true;
    }
    if (auto code = request.cookie(app.cookie_name("flash"))) {
        v.flash = flash_text(*code);
        v.clear_flash_cookie = true;
    }
    return v;
}

Client client_of(const Request& request) { return {request.remote_addr, request.user_agent, request.request_id}; }

}  // namespace auth
