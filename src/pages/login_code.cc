// The code step: GET /login/code asks for the code from the authenticator
// app (or a recovery code); POST /login/code checks it and logs in. What
// holds the step is a pending login in a cookie of its own ("mfa"), valid 5
// minutes and only in the browser that typed the password; it is not a
// session, so no page that needs one opens with it.
#include "core/validate.hh"
#include "pages/fields.hh"
#include "pages/login_code.hh"
#include "web/responses.hh"

namespace pages {

using namespace auth;

namespace {

constexpr const char* kCookie = "mfa";

std::optional<std::string> pending_token(const Request& request, App& app) { return request.cookie(app.cookie_name(kCookie)); }

Page code_form(App& app) { return Page("login_code.tpl", "Enter your code", app.config().base_path); }

// No live pending login for this browser: the password step again.
Response start_again(App& app) {
    Response r = redirect(app, "/login", "login_again");
    r.add_cookie(site_cookie(app, kCookie, "", 0));
    return r;
}

}  // namespace

Response code_step(App& app, const std::string& token, const std::optional<std::string>& next) {
    Response r = redirect(app, next ? "/login/code?next=" + url_encode(*next) : "/login/code");
    r.add_cookie(site_cookie(app, kCookie, token, TwoFactor::kPendingLoginSeconds));
    return r;
}

Response show_code_step(const Request& request, App& app, const Visitor& visitor) {
    auto token = pending_token(request, app);
    if (!token || !app.accounts.pending_login_live(*token, visitor.browser_secret)) return start_again(app);
    Page page = code_form(app);
    if (auto next = local_path(request.param("next"))) page.set("NEXT", *next);
    return render(app, visitor, page);
}

Response enter_code(const Request& request, App& app, const Visitor& visitor) {
    auto token = pending_token(request, app);
    if (!token || !app.accounts.pending_login_live(*token, visitor.browser_secret)) return start_again(app);
    auto next = local_path(request.field("next"));
    std::string code = trim(request.field("code"));
    Page page = code_form(app);
    if (next) page.set("NEXT", *next);
    if (code.empty()) {
        page.field_error("code", "Enter the code from your authenticator app, or one of your recovery codes.");
        return render(app, visitor, page, 422);
    }
    LoginOutcome login = app.accounts.complete_login(*token, visitor.browser_secret, code, client_of(request),
                                                     visitor.session_token);
    switch (login.result) {
        case LoginResult::Throttled: {
            page.field_error("code", "Too many wrong codes. Wait " + minutes_text(login.retry_after) + " and try again.");
            Response r = render(app, visitor, page, 429);
            r.set_header("Retry-After", std::to_string(login.retry_after));
            return r;
        }
        case LoginResult::LoggedIn:
            break;
        default:
            page.field_error("code", "That code is not right, or it was used already. Wait for the next code and try again.");
            return render(app, visitor, page, 401);
    }
    // As after a password alone: a new session and a new browser secret.
    Response r = redirect(app, next.value_or("/profile"), login.recovery_code ? "logged_in_recovery_code" : "logged_in");
    r.set_session_cookie(login.session_token);
    r.rotate_browser_secret();
    r.add_cookie(site_cookie(app, kCookie, "", 0));
    return r;
}

}  // namespace pages
