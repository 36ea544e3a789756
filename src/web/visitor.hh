// Who is asking: the session and user behind the session cookie (if any and
// still valid), the browser secret the CSRF tokens are bound to, and the
// one-time message the previous page left. Made once per request, by the
// serve loop (dispatch), and handed to the page.
#pragma once
#include <optional>
#include <string>

#include "account/accounts.hh"
#include "web/http.hh"

namespace auth {

class App;

struct Visitor {
    std::optional<Identity> who;         // the session and its account, when logged in
    std::string session_token;          // the cookie value, only when valid
    bool stale_session_cookie = false;  // a session cookie that opened nothing

    std::string browser_secret;         // the csrf cookie value
    bool new_browser_secret = false;    // must be set with the response

    std::optional<std::string> flash;   // the message text, shown once
    bool clear_flash_cookie = false;

    bool logged_in() const { return who.has_value(); }
    // Only when logged in.
    const User& user() const { return who->user; }
};

Visitor identify(const Request& request, App& app);

// The client as the account service logs it, records its events and names
// it in notices.
Client client_of(const Request& request);

// The texts behind flash codes; unknown codes show nothing.
std::optional<std::string> flash_text(const std::string& code);

}  // namespace auth
