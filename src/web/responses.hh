// The answers every page gives the same way: a rendered page with the
// visitor's cookies, a 303 with a one-time message, error pages, the CSRF
// check, and the headers every response carries.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "web/http.hh"
#include "web/view.hh"
#include "web/visitor.hh"

namespace auth {

class App;
struct Config;

// Renders `page` in the layout for `visitor` (navigation, flash, CSRF token).
Response render(App& app, const Visitor& visitor, Page& page, int status = 200);

// 303 See Other to a site path ("/profile"), optionally leaving a flash code.
Response redirect(const App& app, const std::string& site_path, const std::string& flash_code = "");

// The cookies a finished response needs: its own changes (Response::
// set_session_cookie, rotate_browser_secret, flash), else what the visitor
// needs (a new CSRF cookie, a dead session cookie deleted, a shown message
// deleted). Called once per request by dispatch().
void finish_cookies(const App& app, const Visitor& visitor, Response& response);

// A plain page with a heading and a message (4xx and 5xx answers).
Response error_page(App& app, int status, const std::string& message);

// The CSRF check of a POST: the token from the body matches this browser
// (and session), and the browser did not say the form came from elsewhere.
bool csrf_ok(App& app, const Request& request, const Visitor& visitor);
// The 403 page for a form that failed csrf_ok; records the refusal (csrf.refused).
Response csrf_failed(App& app, const Request& request, const Visitor& visitor);

Response method_not_allowed(App& app, const std::string& allow);

// 303 to /login?next=<this page>.
Response login_required(const App& app, const Request& request);

// Session cookie for `token`; max_age 0 deletes it.
Cookie session_cookie(const App& app, const std::string& token, std::optional<std::int64_t> max_age = std::nullopt);
Cookie site_cookie(const App& app, const std::string& base_name, const std::string& value,
                   std::optional<std::int64_t> max_age = std::nullopt);

// Security headers, Content-Type and Cache-Control unless already set.
void add_standard_headers(Response& response, const Config& config);

std::string url_encode(const std::string& text);

}  // namespace auth
