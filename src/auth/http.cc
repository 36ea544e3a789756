#include "auth/http.hh"

#include <strings.h>

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

void Response::set_header(const std::string& name, const std::string& value) {
    for (auto& h : headers)
        if (strcasecmp(h.first.c_str(), name.c_str()) == 0) {
            h.second = value;
            return;
        }
    headers.emplace_back(name, value);
}

std::optional<std::string> Response::header(const std::string& name) const {
    for (const auto& h : headers)
        if (strcasecmp(h.first.c_str(), name.c_str()) == 0) return h.second;
    return std::nullopt;
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

std::string Response::serialize(bool include_body) const {
    std::string out = "Status: " + std::to_string(status) + " " + status_text(status) + "\r\n";
    for (const auto& [name, value] : headers) {
        // Headers are built from fixed names and checked values; a CR or LF
        // here would be a bug, so it is dropped rather than sent.
        if (value.find_first_of("\r\n") != std::string::npos) continue;
        out += name + ": " + value + "\r\n";
    }
    out += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
    if (include_body) out += body;
    return out;
}

}  // namespace auth
