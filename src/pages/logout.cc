#include "core/log.hh"
#include "web/responses.hh"
#include "pages/pages.hh"

namespace pages {

using namespace auth;

Response logout(const Request& request, App& app) {
    if (request.path != "/logout") return error_page(app, 404, "There is no such page.");
    Visitor visitor = identify(request, app);
    if (request.is_get()) {
        if (!visitor.logged_in()) return redirect(app, visitor, "/");
        Page page("logout.tpl", "Log out", app.config().base_path);
        return render(app, visitor, page);
    }
    if (!request.is_post()) return method_not_allowed(app, "GET, HEAD, POST");
    if (!csrf_ok(app, request, visitor)) return csrf_failed(app, request, visitor);

    if (visitor.session) {
        app.sessions.destroy(visitor.session_token);
        log_line("account " + std::to_string(visitor.user->id) + " logged out");
    }
    Visitor after = visitor;
    after.stale_session_cookie = false;
    after.new_browser_secret = false;
    after.clear_flash_cookie = false;
    // The flash travels in the URL here: Clear-Site-Data would clear a cookie.
    Response r = redirect(app, after, "/?logged_out=1");
    r.add_cookie(session_cookie(app, "", 0));
    r.set_header("Clear-Site-Data", "\"cookies\"");
    return r;
}

}  // namespace pages
