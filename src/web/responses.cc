#include "web/responses.hh"

#include "web/app.hh"
#include "web/visitor.hh"
#include "core/crypto.hh"
#include "core/log.hh"
#include "core/validate.hh"

namespace auth {

Cookie site_cookie(const App& app, const std::string& base_name, const std::string& value,
                   std::optional<std::int64_t> max_age) {
    Cookie c;
    c.name = app.cookie_name(base_name);
    c.value = value;
    c.path = app.config().cookie_path();
    c.max_age = max_age;
    c.secure = app.config().https;
    c.http_only = true;
    c.same_site = "Lax";
    return c;
}

Cookie session_cookie(const App& app, const std::string& token, std::optional<std::int64_t> max_age) {
    return site_cookie(app, "sid", token, max_age);
}

void finish_cookies(const App& app, const Visitor& visitor, Response& r) {
    if (r.new_browser_secret)
        r.add_cookie(site_cookie(app, "csrf", random_token(32)));
    else if (visitor.new_browser_secret)
        r.add_cookie(site_cookie(app, "csrf", visitor.browser_secret));
    if (r.session_cookie)
        r.add_cookie(r.session_cookie->empty() ? session_cookie(app, "", 0) : session_cookie(app, *r.session_cookie));
    else if (visitor.stale_session_cookie)
        r.add_cookie(session_cookie(app, "", 0));
    if (!r.flash.empty())
        r.add_cookie(site_cookie(app, "flash", r.flash, 300));
    else if (r.flash_consumed && visitor.clear_flash_cookie)
        r.add_cookie(site_cookie(app, "flash", "", 0));
}

std::string url_encode(const std::string& text) { return percent_encode(text, "/"); }

Response render(App& app, const Visitor& visitor, Page& page, int status) {
    page.set_user(visitor.who ? std::optional<std::string>(visitor.user().name) : std::nullopt);
    if (visitor.who) page.set_user_picture(visitor.user().picture);
    if (visitor.flash) page.set_flash(*visitor.flash);
    page.set_csrf(app.csrf.token(visitor.browser_secret, visitor.session_token));
    Response r;
    r.status = status;
    r.body = page.render(app.view);
    r.flash_consumed = true;
    return r;
}

Response redirect(const App& app, const std::string& site_path, const std::string& flash_code) {
    Response r;
    r.status = 303;
    r.set_header("Location", app.config().url(site_path));
    r.flash = flash_code;
    r.flash_consumed = true;
    return r;
}

Response error_page(App& app, int status, const std::string& message) {
    Response r;
    r.status = status;
    try {
        Page page("error.tpl", status_text(status), app.config().base_path);
        page.set("STATUS", std::to_string(status));
        page.set("HEADING", status_text(status));
        page.set("MESSAGE", message);
        page.set_user(std::nullopt);
        r.body = page.render(app.view);
    } catch (const std::exception& e) {
        log_line(std::string("error page could not be rendered: ") + e.what());
        r.body = "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Error</title></head><body><h1>" +
                 std::to_string(status) + " " + status_text(status) + "</h1><p>Something went wrong. Please try again later.</p></body></html>";
    }
    return r;
}

bool csrf_ok(App& app, const Request& request, const Visitor& visitor) {
    if (request.sec_fetch_site == "cross-site") return false;
    // A page sent with Referrer-Policy: no-referrer (the reset pages) makes
    // the browser send "Origin: null" with its form; Sec-Fetch-Site still
    // says whether the form came from this site.
    const bool opaque_same_origin = request.origin == "null" && request.sec_fetch_site == "same-origin";
    if (!request.origin.empty() && request.origin != app.config().base_origin && !opaque_same_origin) return false;
    if (visitor.new_browser_secret) return false;
    return app.csrf.valid(request.field("csrf_token"), visitor.browser_secret, visitor.session_token);
}

Response csrf_failed(App& app, const Request& request, const Visitor& visitor) {
    std::optional<std::int64_t> user;
    if (visitor.logged_in()) user = visitor.user().id;
    app.accounts.events().record(client_of(request), events::kCsrfRefused, Outcome::Refused, user, request.path);
    std::string why = visitor.new_browser_secret
                          ? "Your browser did not send the cookie this form needs. Please allow cookies for this site, "
                            "reload the page and try again."
                          : "This form has expired or was not sent from this site. Please reload the page and try again.";
    return error_page(app, 403, why);
}

Response method_not_allowed(App& app, const std::string& allow) {
    Response r = error_page(app, 405, "This page does not accept that kind of request.");
    r.set_header("Allow", allow);
    return r;
}

Response login_required(const App& app, const Request& request) {
    std::string here = request.path;
    if (!request.query.empty()) {
        std::string qs;
        for (const auto& [k, v] : request.query) qs += (qs.empty() ? "" : "&") + url_encode(k) + "=" + url_encode(v);
        here += "?" + qs;
    }
    return redirect(app, "/login?next=" + url_encode(here));
}

void add_standard_headers(Response& r, const Config& config) {
    r.headers.reserve(r.headers.size() + 8);  // room for them all: the list grows once, not four times
    if (!r.has_header("Content-Type")) r.set_header("Content-Type", "text/html; charset=utf-8");
    if (!r.has_header("Content-Security-Policy"))
        r.set_header("Content-Security-Policy",
                     "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; "
                     "frame-ancestors 'none'; base-uri 'none'; object-src 'none'");
    r.set_header("X-Frame-Options", "DENY");
    r.set_header("X-Content-Type-Options", "nosniff");
    if (!r.has_header("Referrer-Policy")) r.set_header("Referrer-Policy", "same-origin");
    r.set_header("Cross-Origin-Opener-Policy", "same-origin");
    if (!r.has_header("Cache-Control")) r.set_header("Cache-Control", "no-store");
    // includeSubDomains decides for every host below this one: only a site at
    // the root of its host may say that; a site in a sub-folder shares the host
    // with others (the web server configurations follow the same rule).
    if (config.https)
        r.set_header("Strict-Transport-Security",
                     config.base_path.empty() ? "max-age=63072000; includeSubDomains" : "max-age=63072000");
}

}  // namespace auth
