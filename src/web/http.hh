// Request and Response values: what a page sees and what it answers, free of
// cgicc, FastCGI and SQLite types so that tests can build them by hand.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace auth {

struct UploadedFile {
    std::string filename;      // as the browser sent it: never use it in a path
    std::string content_type;  // as the browser sent it: never trust it
    std::string data;
};

struct Request {
    std::string method;        // "GET", "HEAD", "POST", ...
    std::string path;          // inside the site, e.g. "/profile/password"
    std::map<std::string, std::string> query;    // from the query string
    std::map<std::string, std::string> form;     // from a POST body only
    std::map<std::string, UploadedFile> files;   // multipart file parts
    std::map<std::string, std::string> cookies;
    std::string remote_addr;   // the client: REMOTE_ADDR, or from X-Forwarded-For (TRUSTED_PROXIES)
    std::string forwarded_for;  // the X-Forwarded-For header, if any
    std::string user_agent;
    std::string origin;         // the Origin header, if any
    std::string sec_fetch_site; // the Sec-Fetch-Site header, if any
    std::string request_id;     // made by handle() for this request: in its log lines, events and 500 page
    // The name the web server's own authentication accepted (REMOTE_USER
    // with AUTH_TYPE, both set by the server, never from a header); "" if none.
    std::string remote_user;

    bool is_get() const { return method == "GET" || method == "HEAD"; }
    bool is_post() const { return method == "POST"; }
    std::string field(const std::string& name) const;
    std::string param(const std::string& name) const;
    std::optional<std::string> cookie(const std::string& name) const;
};

struct Cookie {
    std::string name;
    std::string value;
    std::string path = "/";
    std::optional<std::int64_t> max_age;  // nullopt: ends with the browser
    bool secure = false;
    bool http_only = true;
    std::string same_site = "Lax";

    std::string header_value() const;
};

struct Response {
    int status = 200;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    // Run the mail delivery step after this response even if nothing is due
    // (so that its cost never tells whether a mail was queued).
    bool deliver_mail = false;

    // Cookie changes, made Set-Cookie headers (with the site's cookie names
    // and flags) by the serve loop once the page is done.
    std::optional<std::string> session_cookie;  // the new session token; "" deletes the cookie
    bool new_browser_secret = false;            // a new CSRF cookie: nothing from before carries over
    std::string flash;                          // a one-time message (its code) for the next page
    bool flash_consumed = false;                // the visitor's message was shown: delete its cookie

    void set_session_cookie(std::string token) { session_cookie = std::move(token); }
    void clear_session_cookie() { session_cookie = std::string(); }
    void rotate_browser_secret() { new_browser_secret = true; }

    void set_header(std::string_view name, std::string_view value);
    std::optional<std::string> header(std::string_view name) const;
    bool has_header(std::string_view name) const;
    void add_cookie(const Cookie& cookie) { headers.emplace_back("Set-Cookie", cookie.header_value()); }

    // The CGI form: "Status: 200 OK\r\n" + headers + "\r\n" + body.
    std::string serialize(bool include_body = true) const;
    // serialize() without the body: the FastCGI loop hands the body to
    // libfcgi as it is, instead of copying it behind the headers first.
    std::string head() const;
};

const char* status_text(int status);

// Input a person or a client got wrong: answered with `status` (4xx) and a
// page showing `message`; `detail` goes to the log.
class HttpError : public std::runtime_error {
public:
    HttpError(int status, std::string message, const std::string& detail)
        : std::runtime_error(detail), status_(status), message_(std::move(message)) {}
    int status() const { return status_; }
    const std::string& message() const { return message_; }

private:
    int status_;
    std::string message_;
};

}  // namespace auth
