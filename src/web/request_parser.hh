// From CGI variables and a body stream to a Request, strictly: the size is
// checked before anything is read (413), the query string and urlencoded
// bodies are decoded here (a bad %-escape, invalid UTF-8, a NUL, a repeated
// field or too many fields is a 400), multipart bodies go through cgicc, and
// form fields come from the body only. Throws HttpError.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "web/http.hh"

namespace auth {

inline constexpr std::size_t kDefaultMaxBody = 64 * 1024;
inline constexpr std::size_t kMaxFields = 100;

// CGI variables by name (tests; CgiVariables reads a server's own).
using CgiEnv = std::map<std::string, std::string, std::less<>>;

// The CGI variables parse_request reads, as views into where they are (a
// CgiEnv, or a FastCGI request's "NAME=value" strings), which must outlive
// the parse: nothing of the twenty-odd variables a server sends is copied.
class CgiVariables {
public:
    explicit CgiVariables(const CgiEnv& env);
    CgiVariables(CgiEnv&&) = delete;  // the views would outlive it
    explicit CgiVariables(const char* const* envp);
    // "" if the server did not send `name`, or if parse_request does not
    // read it (only those are kept: REQUEST_METHOD, HTTP_COOKIE, ...).
    std::string_view get(std::string_view name) const;
    bool head() const;  // a HEAD request: the answer has no body
    std::string_view operator[](std::size_t i) const { return values_[i]; }

private:
    void set(std::string_view name, std::string_view value);
    std::array<std::string_view, 15> values_{};
    std::uint32_t seen_ = 0;  // bit i: values_[i] was set
};

// Reads up to n bytes of the body; fewer only at its end.
using BodyReader = std::function<std::string(std::size_t n)>;

// The largest body accepted for a POST to a site path ("/profile").
using BodyLimit = std::function<std::size_t(const std::string& path)>;

// `base_path` is Config::base_path; `max_body` the largest body accepted.
Request parse_request(const CgiEnv& env, const BodyReader& read_body, const std::string& base_path,
                      std::size_t max_body = kDefaultMaxBody);
// The same with a limit that depends on the path.
Request parse_request(const CgiVariables& var, const BodyReader& read_body, const std::string& base_path,
                      const BodyLimit& max_body_for);

// application/x-www-form-urlencoded (also query strings), strictly.
std::map<std::string, std::string> parse_urlencoded(std::string_view text);

// The Cookie header: "a=1; b=2". A name sent twice is dropped (treated as
// absent), so a tossed duplicate can never pick the session.
std::map<std::string, std::string> parse_cookies(std::string_view header);

}  // namespace auth
