#include "core/crypto.hh"
#include "core/log.hh"
#include "account/password_policy.hh"
#include "web/responses.hh"
#include "core/validate.hh"
#include "pages/fields.hh"
#include "pages/pages.hh"

namespace pages {

using namespace auth;

namespace {

Page login_form(App& app) { return Page("login.tpl", "Log in", app.config().base_path); }

}  // namespace

Response login(const Request& request, App& app) {
    if (request.path != "/login") return error_page(app, 404, "There is no such page.");
    Visitor visitor = identify(request, app);
    if (request.is_get()) {
        Page page = login_form(app);
        if (auto next = local_path(request.param("next"))) page.set("NEXT", *next);
        return render(app, visitor, page);
    }
    if (!request.is_post()) return method_not_allowed(app, "GET, HEAD, POST");
    if (!csrf_ok(app, request, visitor)) return csrf_failed(app, request, visitor);

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

    if (auto wait = app.throttle.retry_after(*email, request.remote_addr)) {
        log_line("login throttled from " + request.remote_addr);
        page.field_error("email", "Too many failed attempts. Wait " + minutes_text(*wait) +
                                      " and try again, or reset your password.");
        Response r = render(app, visitor, page, 429);
        r.set_header("Retry-After", std::to_string(*wait));
        return r;
    }

    auto user = app.users.find_by_email(*email);
    bool ok = false;
    if (password.size() <= kPasswordMaxBytes) {
        if (user)
            ok = app.hasher.verify(user->password_hash, password);
        else
            app.hasher.verify(app.dummy_hash(), password);  // the same cost as a wrong password
    }
    if (!ok) {
        app.throttle.record_failure(*email, request.remote_addr);
        log_line("login failed from " + request.remote_addr + (user ? " for account " + std::to_string(user->id) : ""));
        page.field_error("password", "The email address or the password is not right.");
        return render(app, visitor, page, 401);
    }

    app.throttle.clear(*email);
    if (app.hasher.needs_rehash(user->password_hash))
        app.users.replace_hash(user->id, app.hasher.hash(password));
    if (visitor.session) app.sessions.destroy(visitor.session_token);
    std::string token = app.sessions.create(user->id, request.remote_addr, request.user_agent);
    log_line("account " + std::to_string(user->id) + " logged in from " + request.remote_addr);

    // A new session and a new browser secret: nothing from before the login
    // carries over (session fixation, login CSRF).
    Visitor after = visitor;
    after.stale_session_cookie = false;
    after.browser_secret = random_token(32);
    after.new_browser_secret = true;
    Response r = redirect(app, after, next.value_or("/profile"), "logged_in");
    r.add_cookie(session_cookie(app, token));
    return r;
}

}  // namespace pages
