#include "pages/pages.hh"
#include "web/responses.hh"

namespace pages {

using namespace auth;

namespace {

Response confirm(const Request&, App& app, const Visitor& visitor) {
    if (!visitor.logged_in()) return redirect(app, "/");
    Page page("logout.tpl", "Log out", app.config().base_path);
    return render(app, visitor, page);
}

Response log_out(const Request& request, App& app, const Visitor& visitor) {
    if (visitor.logged_in()) app.accounts.log_out(visitor.session_token, client_of(request), visitor.user().id);
    // The flash travels in the URL here: Clear-Site-Data would clear a cookie.
    Response r = redirect(app, "/?logged_out=1");
    r.flash_consumed = false;
    r.clear_session_cookie();
    // Clear-Site-Data knows no paths: "cookies" removes every cookie of the
    // host (browsers take its whole registered domain). A site at the root
    // of its host speaks for that host and clears it; a site in a sub-folder
    // shares the host with whatever else it serves, so it deletes only its
    // own cookies (the session above, and a new browser secret for the CSRF
    // tokens) and leaves the rest alone. Same rule as HSTS includeSubDomains
    // (web/responses.cc).
    if (app.config().base_path.empty())
        r.set_header("Clear-Site-Data", "\"cookies\"");
    else
        r.rotate_browser_secret();
    return r;
}

}  // namespace

const Program kLogout{{
    {.path = "/logout", .methods = kGet, .handler = confirm},
    {.path = "/logout", .methods = kPost, .handler = log_out},
}};

}  // namespace pages
