#include "web/responses.hh"
#include "pages/pages.hh"

namespace pages {

using namespace auth;

Response home(const Request& request, App& app) {
    if (request.path != "/") return error_page(app, 404, "There is no such page.");
    if (!request.is_get()) return method_not_allowed(app, "GET, HEAD");
    Visitor visitor = identify(request, app);
    if (request.param("logged_out") == "1" && !visitor.logged_in() && !visitor.flash) visitor.flash = flash_text("logged_out");
    Page page("home.tpl", "Welcome", app.config().base_path);
    if (visitor.user) {
        page.content().SetValueAndShowSection("NAME", visitor.user->name, "SIGNED_IN");
        page.set("EMAIL", visitor.user->email);
    } else {
        page.show("SIGNED_OUT");
    }
    return render(app, visitor, page);
}

}  // namespace pages
