// Logging in with a passkey. The login page (login.cc) shows the button
// and asks the browser for passkey autofill; site.js fetches a challenge
// here (POST /login/passkey/challenge, bound to this browser's CSRF
// cookie) and posts the browser's answer to POST /login/passkey, which
// makes a session that counts as both steps of a login.
#include "core/log.hh"
#include "core/validate.hh"
#include "pages/fields.hh"
#include "pages/passkey_page.hh"
#include "web/responses.hh"

namespace pages {

using namespace auth;

namespace {

// The cookie that tells a browser which logged in with a passkey before
// from one which did not (for the owner's notice): 400 days, the most
// browsers keep a cookie.
constexpr std::int64_t kBrowserCookieAge = 400 * 24 * 3600;

}  // namespace

Response login_challenge(const Request& request, App& app, const Visitor& visitor) {
    PasskeyOutcome c = app.accounts.passkey_login_challenge(visitor.browser_secret, client_of(request));
    if (c.result == PasskeyResult::Throttled) {
        Response r = json_response(429, "{\"error\":" + json_string("Too many passkey logins were started from your network. Wait a few minutes "
                                                             "and try again, or log in with your password.") + "}");
        r.set_header("Retry-After", std::to_string(Accounts::kPasskeyChallengeLifetime));
        return r;
    }
    return json_response(200, "{\"challenge\":" + json_string(c.challenge) + "}");
}

Response log_in_with_passkey(const Request& request, App& app, const Visitor& visitor) {
    auto next = local_path(request.field("next"));
    auto refused = [&](int status, const std::string& message) {
        Page page("login.tpl", "Log in", app.config().base_path);
        if (next) page.set("NEXT", *next);
        page.set_in("PASSKEY_ERROR", "PASSKEY_MESSAGE", message);
        return render(app, visitor, page, status);
    };
    auto response = passkey_response(request, false);
    if (!response) {
        log_line("passkey login refused from " + request.remote_addr + ": fields missing or not base64url");
        return refused(400, passkey_message(PasskeyProblem::Malformed));
    }
    PasskeyOutcome login = app.accounts.log_in_with_passkey(
        *response, client_of(request), visitor.session_token, visitor.browser_secret,
        request.cookie(app.cookie_name("pkb")).value_or(""));
    if (login.result != PasskeyResult::Done)
        return refused(passkey_status(login.problem), passkey_message(login.problem));
    // As after a password login: a new session and a new browser secret.
    Response r = redirect(app, next.value_or("/profile"), "logged_in_passkey");
    r.set_session_cookie(login.session_token);
    r.rotate_browser_secret();
    if (!login.browser_token.empty()) r.add_cookie(site_cookie(app, "pkb", login.browser_token, kBrowserCookieAge));
    return r;
}

}  // namespace pages
