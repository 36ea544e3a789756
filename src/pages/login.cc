#include "core/validate.hh"
#include "pages/fields.hh"
#include "pages/login_code.hh"
#include "pages/pages.hh"
#include "web/responses.hh"

namespace pages {

using namespace auth;

namespace {

Page login_form(App& app) { return Page("login.tpl", "Log in", app.config().base_path); }

Response show(const Request& request, App& app, const Visitor& visitor) {
    Page page = login_form(app);
    if (auto next = local_path(request.param("next"))) page.set("NEXT", *next);
    return render(app, visitor, page);
}

Response log_in(const Request& request, App& app, const Visitor& visitor) {
    std::string email_typed = trim(request.field("email"));
    std::string password = request.field("password");
    auto next = local_path(request.field("next"));

    Page page = login_form(app);
    page.set("EMAIL", email_typed);
    if (next) page.set("NEXT", *next);

    auto email = normalize_email(email_typed);
    bool errors = false;
    if (!email) { page.field_error("email", "Enter the email address of your account, like name@example.com."); errors = true; }
    if (password.empty()) { page.field_error("password", "Enter your password."); errors = true; }
    if (errors) return render(app, visitor, page, 422);

    LoginOutcome login =
        app.accounts.log_in(*email, password, client_of(request), visitor.session_token, visitor.browser_secret);
    switch (login.result) {
        case LoginResult::Throttled: {
            page.field_error("email", "Too many failed attempts. Wait " + minutes_text(login.retry_after) +
                                          " and try again, or reset your password.");
            Response r = render(app, visitor, page, 429);
            r.set_header("Retry-After", std::to_string(login.retry_after));
            return r;
        }
        case LoginResult::Refused:
            page.field_error("password", "The email address or the password is not right.");
            return render(app, visitor, page, 401);
        case LoginResult::Unconfirmed:
            // Said only after the right password: the link was mailed to
            // this address, and the person can have it sent again.
            page.set("EMAIL", *email);
            page.show("UNCONFIRMED");
            return render(app, visitor, page, 403);
        case LoginResult::Locked:
            // Said only after the right password: the owner learns whom to ask.
            page.field_error("email", "This account is locked. Ask the site's administrator to unlock it.");
            return render(app, visitor, page, 403);
        case LoginResult::CodeNeeded:
            return code_step(app, login.pending_token, next);
        case LoginResult::LoggedIn:
            break;
    }
    // A new session and a new browser secret: nothing from before the login
    // carries over (session fixation, login CSRF).
    Response r = redirect(app, next.value_or("/profile"), "logged_in");
    r.set_session_cookie(login.session_token);
    r.rotate_browser_secret();
    return r;
}

}  // namespace

const Program kLogin{{
    {.path = "/login", .methods = kGet, .handler = show},
    {.path = "/login", .methods = kPost, .handler = log_in},
    {.path = "/login/code", .methods = kGet, .handler = show_code_step},
    {.path = "/login/code", .methods = kPost, .handler = enter_code},
}};

}  // namespace pages
