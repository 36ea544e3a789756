#include "web/http.hh"

#include <strings.h>

#include <cstring>

namespace auth {

std::string Request::field(const std::string& name) const {
    auto it = form.find(name);
    return it == form.end() ? std::string() : it->second;
}

std::string Request::param(const std::string& name) const {
    auto it = query.find(name);
    return it == query.end() ? std::string() : it->second;
}

std::optional<std::string> Request::cookie(const std::string& name) const {
    auto it = cookies.find(name);
    if (it == cookies.end()) return std::nullopt;
    return it->second;
}

std::string Cookie::header_value() const {
    std::string v = name + "=" + value + "; Path=" + path;
    if (max_age) v += "; Max-Age=" + std::to_string(*max_age);
    if (secure) v += "; Secure";
    if (http_only) v += "; HttpOnly";
    if (!same_site.empty()) v += "; SameSite=" + same_site;
    return v;
}

namespace {
bool same_name(const std::string& a, std::string_view b) {
    return a.size() == b.size() && strncasecmp(a.data(), b.data(), b.size()) == 0;
}

// memchr, not a loop over the characters: every header of every response
// passes here (the Content-Security-Policy alone is 200 characters).
bool has_line_break(std::string_view text) {
    return std::memchr(text.data(), '\r', text.size()) || std::memchr(text.data(), '\n', text.size());
}
}  // namespace

void Response::set_header(std::string_view name, std::string_view value) {
    for (auto& h : headers)
        if (same_name(h.first, name)) {
            h.second = value;
            return;
        }
    headers.emplace_back(name, value);
}

std::optional<std::string> Response::header(std::string_view name) const {
    for (const auto& h : headers)
        if (same_name(h.first, name)) return h.second;
    return std::nullopt;
}

bool Response::has_header(std::string_view name) const {
    for (const auto& h : headers)
        if (same_name(h.first, name)) return true;
    return false;
}

const char* status_text(int status) {
    switch (status) {
        case 200: return "OK";
        case 303: return "See Other";
        case 304: return "Not Modified";
        case 400: return "Bad Request";
        case 401: return "Unauthorized";
        case 403: return "Forbidden";
        case 404: return "Not Found";
        case 405: return "Method Not Allowed";
        case 409: return "Conflict";
        case 410: return "Gone";
        case 411: return "Length Required";
        case 413: return "Content Too Large";
        case 414: return "URI Too Long";
        case 415: return "Unsupported Media Type";
        case 422: return "Unprocessable Content";
        case 429: return "Too Many Requests";
        case 500: return "Internal Server Error";
        case 503: return "Service Unavailable";
        default: return "Unknown";
    }
}

std::string Response::head() const {
    // Appended piece by piece into one buffer of the right size: no
    // temporaries, one allocation.
    std::size_t size = 64;
    for (const auto& [name, value] : headers) size += name.size() + value.size() + 4;
    std::string out;
    out.reserve(size);
    out.append("Status: ").append(std::to_string(status)).append(" ").append(status_text(status)).append("\r\n");
    for (const auto& [name, value] : headers) {
        // Headers are built from fixed names and checked values; a CR or LF
        // here would be a bug, so it is dropped rather than sent.
        if (has_line_break(value)) continue;
        out.append(name).append(": ").append(value).append("\r\n");
    }
    out.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n\r\n");
    return out;
}

std::string Response::serialize(bool include_body) const {
    std::string out = head();
    if (include_body) out += body;
    return out;
}

}  // namespace auth
