// One route table per program, as cgit's cmd.c has one: each row says which
// path it serves, with which methods, whether it needs a session, whether a
// POST must carry a CSRF token, how large a body it takes, its
// Referrer-Policy and its handler. dispatch() does what every page would
// otherwise do again: 404, 405 with Allow, identifying the visitor (once),
// the login redirect and the CSRF check; then it calls the handler and
// turns the Response's cookie changes into Set-Cookie headers.
#pragma once
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "web/http.hh"
#include "web/request_parser.hh"
#include "web/visitor.hh"

namespace auth {

class App;

using Handler = std::function<Response(const Request& request, App& app, const Visitor& visitor)>;

enum Method : unsigned { kGet = 1, kPost = 2 };  // kGet also answers HEAD
// Admin: only for a REMOTE_USER listed in ADMIN_USERS (the admin area);
// anyone else gets the 404 page, whatever the method, before anything else.
enum class Access { Anyone, LoggedIn, Admin };

struct Route {
    std::string_view path;                // exact, or with prefix = true everything below it
    unsigned methods = kGet;
    Access access = Access::Anyone;
    bool csrf = true;                     // a POST must carry this browser's CSRF token
    Handler handler;
    std::size_t max_body = kDefaultMaxBody;
    const char* referrer_policy = nullptr;  // nullptr: the site's "same-origin"
    // A GET of a form's target (reloading the page a POST answered) goes to
    // this page instead of a 405.
    const char* get_redirect = nullptr;
    bool prefix = false;

    bool matches(std::string_view site_path) const {
        return prefix ? site_path.starts_with(path) && site_path.size() > path.size() : site_path == path;
    }
};

struct Program {
    std::vector<Route> routes;
    // The body limit for a request to `site_path` (the largest of its routes).
    std::size_t max_body(const std::string& site_path) const;
};

// The request through the table: the answer of its route, or 404 / 405.
Response dispatch(const Program& program, const Request& request, App& app);

}  // namespace auth
