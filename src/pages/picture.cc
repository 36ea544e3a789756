// GET /profile/picture/<name>: the logged-in person's own picture, and only
// theirs (nobody else sees it: the site has no public profiles). Served as
// the type its bytes were checked to be, never as HTML or SVG, with nosniff
// and a CSP that would sandbox anything opened directly. Kept out of every
// cache like the other account pages.
#include "pages/profile_page.hh"
#include "web/responses.hh"

namespace pages {

using namespace auth;

Response show_picture(const Request& request, App& app, const Visitor& visitor) {
    std::string name = request.path.substr(std::string_view(kPicturePrefix).size());
    if (!PictureStore::valid_name(name)) return error_page(app, 404, "There is no such page.");
    std::optional<StoredPicture> picture;
    if (visitor.logged_in()) picture = app.pictures.load(visitor.user().id, name);
    if (!picture) return error_page(app, 404, "There is no such picture.");

    Response r;
    r.body = std::move(picture->bytes);
    r.set_header("Content-Type", content_type(picture->type));
    r.set_header("Content-Disposition", std::string("inline; filename=\"picture.") + extension(picture->type) + "\"");
    r.set_header("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'; sandbox");
    r.set_header("Cross-Origin-Resource-Policy", "same-origin");
    r.set_header("Cache-Control", "private, no-store");
    return r;
}

}  // namespace pages
