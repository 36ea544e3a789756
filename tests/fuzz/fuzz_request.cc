// libFuzzer target: the request parsing (parse_request with a fake CGI
// environment and body: query string, cookies, urlencoded and multipart
// bodies through cgicc), and parse_urlencoded / parse_cookies on their own.
//
// Input: fields separated by NUL bytes, in this order (missing ones are
// left out of the environment; the body is everything after the 7th NUL):
//   BASE_PATH \0 REQUEST_METHOD \0 REQUEST_URI \0 QUERY_STRING \0 HTTP_COOKIE
//   \0 CONTENT_TYPE \0 CONTENT_LENGTH ("*" = the body's size) \0 BODY
//
// What must hold: parse_request returns or throws HttpError with a 4xx
// status (anything else would become a 5xx page); every field value it
// returns is valid UTF-8 without NUL; urlencoded names too; at most
// kMaxFields fields; a cookie name is never empty; the path is never empty.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "web/http.hh"
#include "web/request_parser.hh"
#include "core/validate.hh"

namespace {

bool clean(const std::string& s) { return auth::valid_utf8(s) && s.find('\0') == std::string::npos; }

void check_fields(const std::map<std::string, std::string>& fields, bool names_too) {
    if (fields.size() > auth::kMaxFields) std::abort();
    for (const auto& [name, value] : fields) {
        if (name.empty() || !clean(value)) std::abort();
        if (names_too && !clean(name)) std::abort();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view in(reinterpret_cast<const char*>(data), size);
    std::vector<std::string> parts;
    std::size_t start = 0;
    while (parts.size() < 7) {
        auto nul = in.find('\0', start);
        if (nul == std::string_view::npos) break;
        parts.emplace_back(in.substr(start, nul - start));
        start = nul + 1;
    }
    std::string body(in.substr(std::min(start, in.size())));
    if (parts.size() < 7) {  // fewer fields: what is left is the last one, no body
        parts.emplace_back(body);
        body.clear();
    }

    static const char* const names[] = {"REQUEST_METHOD", "REQUEST_URI", "QUERY_STRING", "HTTP_COOKIE", "CONTENT_TYPE",
                                        "CONTENT_LENGTH"};
    auth::CgiEnv env{{"REMOTE_ADDR", "192.0.2.1"}};
    std::string base = parts.empty() ? std::string() : parts[0];
    for (std::size_t i = 1; i < parts.size() && i <= 6; ++i) {
        std::string value = parts[i];
        if (i == 6 && value == "*") value = std::to_string(body.size());
        env[names[i - 1]] = value;
    }
    std::size_t pos = 0;
    auth::BodyReader reader = [&](std::size_t n) {
        std::string chunk = body.substr(pos, n);
        pos += chunk.size();
        return chunk;
    };

    try {
        auth::Request req = auth::parse_request(env, reader, base);
        check_fields(req.query, true);
        // Multipart field names come from cgicc unchecked (only values are): names only for urlencoded.
        check_fields(req.form, auth::ascii_lower(env["CONTENT_TYPE"]).find("multipart") == std::string::npos);
        for (const auto& [name, value] : req.cookies)
            if (name.empty()) std::abort();
        if (req.path.empty()) std::abort();
    } catch (const auth::HttpError& e) {
        if (e.status() < 400 || e.status() > 499) std::abort();
    }

    // The two helpers on the raw input as well.
    try {
        check_fields(auth::parse_urlencoded(in), true);
    } catch (const auth::HttpError& e) {
        if (e.status() != 400) std::abort();
    }
    for (const auto& [name, value] : auth::parse_cookies(in))
        if (name.empty()) std::abort();
    return 0;
}
