#include "web/routes.hh"

#include <algorithm>

#include "core/log.hh"
#include "web/app.hh"
#include "web/responses.hh"

namespace auth {

namespace {

std::string allow_header(unsigned methods) {
    std::string allow;
    if (methods & kGet) allow = "GET, HEAD";
    if (methods & kPost) allow += allow.empty() ? "POST" : ", POST";
    return allow;
}

}  // namespace

std::size_t Program::max_body(const std::string& site_path) const {
    std::size_t limit = 0;
    for (const Route& r : routes)
        if (r.matches(site_path)) limit = std::max(limit, r.max_body);
    return limit ? limit : kDefaultMaxBody;
}

Response dispatch(const Program& program, const Request& request, App& app) {
    unsigned wanted = request.is_get() ? unsigned{kGet} : request.is_post() ? unsigned{kPost} : 0u;
    unsigned allowed = 0;
    const Route* route = nullptr;   // the row for this path and method
    const Route* reload = nullptr;  // a form's target, reloaded with GET: its row says where to go
    const char* referrer = nullptr;
    bool admin = false;  // a path of the admin area
    for (const Route& r : program.routes) {
        if (!r.matches(request.path)) continue;
        admin |= r.access == Access::Admin;
        allowed |= r.methods;
        if (!route && (r.methods & wanted)) route = &r;
        if (!reload && r.get_redirect) reload = &r;
        if (!referrer) referrer = r.referrer_policy;
    }
    if (!allowed) return error_page(app, 404, "There is no such page.");
    if (admin && !app.config().is_admin(request.remote_user)) {
        // The admin area is not there for anyone the web server did not
        // authenticate as a listed administrator: the same 404 as any path.
        log_line("admin area refused: " +
                 std::string(request.remote_user.empty() ? "no REMOTE_USER" : "REMOTE_USER not in ADMIN_USERS"));
        return error_page(app, 404, "There is no such page.");
    }
    bool redirect_get = !route && wanted == kGet && reload;
    if (redirect_get) route = reload;
    if (!route) {
        Response r = method_not_allowed(app, allow_header(allowed));
        if (referrer) r.set_header("Referrer-Policy", referrer);
        return r;
    }

    Visitor visitor = identify(request, app);
    Response response;
    if (route->access == Access::LoggedIn && !visitor.logged_in())
        response = login_required(app, request);
    else if (redirect_get)
        response = redirect(app, route->get_redirect);
    else if (wanted == kPost && route->csrf && !csrf_ok(app, request, visitor))
        response = csrf_failed(app, request, visitor);
    else
        response = route->handler(request, app, visitor);
    finish_cookies(app, visitor, response);
    if (admin) {
        // Nothing of the admin area is kept or indexed anywhere.
        response.set_header("Cache-Control", "no-store");
        response.set_header("X-Robots-Tag", "noindex");
    }
    if (route->referrer_policy && !response.has_header("Referrer-Policy"))
        response.set_header("Referrer-Policy", route->referrer_policy);
    return response;
}

}  // namespace auth
