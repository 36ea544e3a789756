#include "pages/pages.hh"
#include "web/responses.hh"

namespace pages {

using namespace auth;

namespace {

Response show(const Request& request, App& app, const Visitor& visitor) {
    Visitor v = visitor;
    // After logout the message travels in the URL: Clear-Site-Data took the cookie.
    if (request.param("logged_out") == "1" && !v.logged_in() && !v.flash) v.flash = flash_text("logged_out");
    Page page("home.tpl", "Welcome", app.config().base_path);
    if (v.logged_in()) {
        page.set_in("SIGNED_IN", "NAME", v.user().name);
        page.set("EMAIL", v.user().email);
    } else {
        page.show("SIGNED_OUT");
    }
    return render(app, v, page);
}

// The privacy page: templates/privacy.tpl as the administrator wrote it
// (the README says what it should say).
Response privacy(const Request&, App& app, const Visitor& visitor) {
    Page page("privacy.tpl", "Privacy", app.config().base_path);
    page.set("RETENTION_DAYS", std::to_string(app.config().event_retention_days));
    return render(app, visitor, page);
}

}  // namespace

const Program kHome{{
    {.path = "/", .methods = kGet, .handler = show},
    {.path = "/privacy", .methods = kGet, .handler = privacy},
}};

}  // namespace pages
