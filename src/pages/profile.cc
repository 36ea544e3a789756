#include <ctime>

#include "auth/log.hh"
#include "auth/responses.hh"
#include "auth/validate.hh"
#include "pages/fields.hh"
#include "pages/pages.hh"

namespace pages {

using namespace auth;

namespace {

std::string date_of(std::int64_t t) {
    std::time_t tt = static_cast<std::time_t>(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
    return buf;
}

std::string minutes(std::int64_t seconds) {
    std::int64_t m = (seconds + 59) / 60;
    return std::to_string(m) + (m == 1 ? " minute" : " minutes");
}

Page profile_page(App& app) { return Page("profile.tpl", "Your profile", app.config().base_path); }

void fill(Page& page, App& app, const User& user, const std::string& name_typed) {
    page.set("NAME", name_typed);
    page.set("EMAIL", user.email);
    page.set("MEMBER_SINCE", date_of(user.created_at));
    page.set("MIN_LENGTH", std::to_string(app.policy.min_length()));
}

Response update_name(const Request& request, App& app, const Visitor& visitor) {
    const User& user = *visitor.user;
    NameCheck name = check_name(request.field("name"));
    if (name.error) {
        Page page = profile_page(app);
        fill(page, app, user, name.value);
        page.field_error("name", *name.error);
        return render(app, visitor, page, 422);
    }
    app.users.update_name(user.id, name.value, app.clock().now());
    return redirect(app, visitor, "/profile", "profile_saved");
}

Response change_password(const Request& request, App& app, const Visitor& visitor) {
    const User& user = *visitor.user;
    std::string current = request.field("current_password");
    std::string fresh = request.field("new_password");
    std::string confirm = request.field("new_password_confirm");

    Page page = profile_page(app);
    fill(page, app, user, user.name);
    page.show("PASSWORD_OPEN");

    if (auto wait = app.throttle.retry_after(user.email, request.remote_addr)) {
        page.field_error("current_password", "Too many wrong passwords. Wait " + minutes(*wait) + " and try again.");
        Response r = render(app, visitor, page, 429);
        r.set_header("Retry-After", std::to_string(*wait));
        return r;
    }
    if (current.empty() || current.size() > kPasswordMaxBytes || !app.hasher.verify(user.password_hash, current)) {
        if (!current.empty()) app.throttle.record_failure(user.email, request.remote_addr);
        log_line("password change refused for account " + std::to_string(user.id) + ": wrong current password");
        page.field_error("current_password", current.empty() ? "Enter your current password."
                                                             : "Your current password is not right.");
        return render(app, visitor, page, current.empty() ? 422 : 403);
    }
    if (auto problem = app.policy.problem(fresh, user.email, user.name)) {
        page.field_error("new_password", *problem);
        return render(app, visitor, page, 422);
    }
    if (fresh != confirm) {
        page.field_error("new_password_confirm", "The two new passwords do not match.");
        return render(app, visitor, page, 422);
    }

    std::string hash = app.hasher.hash(fresh);
    std::string token;
    {
        Transaction tx(app.db);
        app.users.update_password_hash(user.id, hash, app.clock().now());
        app.sessions.destroy_all_for_user(user.id);
        app.reset_tokens.void_all_for_user(user.id);  // a link mailed before the change must not undo it
        token = app.sessions.create(user.id, request.remote_addr, request.user_agent);
        tx.commit();
    }
    app.throttle.clear(user.email);
    log_line("account " + std::to_string(user.id) + " changed its password; other sessions ended");
    Visitor after = visitor;
    after.session_token = token;
    Response r = redirect(app, after, "/profile", "password_changed");
    r.add_cookie(session_cookie(app, token));
    return r;
}

}  // namespace

Response profile(const Request& request, App& app) {
    bool password_path = request.path == "/profile/password";
    if (request.path != "/profile" && !password_path) return error_page(app, 404, "There is no such page.");
    Visitor visitor = identify(request, app);
    if (!request.is_get() && !request.is_post()) return method_not_allowed(app, password_path ? "POST" : "GET, HEAD, POST");
    if (!visitor.logged_in()) return login_required(app, request, visitor);

    if (request.is_get()) {
        if (password_path) return redirect(app, visitor, "/profile");
        Page page = profile_page(app);
        fill(page, app, *visitor.user, visitor.user->name);
        return render(app, visitor, page);
    }
    if (!csrf_ok(app, request, visitor)) return csrf_failed(app, request, visitor);
    return password_path ? change_password(request, app, visitor) : update_name(request, app, visitor);
}

}  // namespace pages
