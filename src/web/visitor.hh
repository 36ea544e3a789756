// Who is asking: the session and user behind the session cookie (if any and
// still valid), the browser secret the CSRF tokens are bound to, and the
// one-time message the previous page left.
#pragma once
#include <optional>
#include <string>

#include "web/http.hh"
#include "store/sessions.hh"
#include "store/users.hh"

namespace auth {

class App;

struct Visitor {
    std::optional<User> user;
    std::optional<Session> session;
    std::string session_token;          // the cookie value, only when valid
    bool stale_session_cookie = false;  // a session cookie that opened nothing

    std::string browser_secret;         // the csrf cookie value
    bool new_browser_secret = false;    // must be set with the response

    std::optional<std::string> flash;   // the message text, shown once
    bool clear_flash_cookie = false;

    bool logged_in() const { return user.has_value(); }
};

Visitor identify(const Request& request, App& app);

// The texts behind flash codes; unknown codes show nothing.
std::optional<std::string> flash_text(const std::string& code);

}  // namespace auth
