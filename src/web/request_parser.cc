#include "web/request_parser.hh"

#include <cgicc/CgiInput.h>
#include <cgicc/Cgicc.h>

#include <array>
#include <bit>
#include <cstdint>
#include <set>

#include "core/validate.hh"

namespace auth {

namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

[[noreturn]] void bad_form(const std::string& detail) {
    throw HttpError(400, "The form data could not be read: it was malformed or in a broken encoding. Please go back and try again.",
                    "bad request: " + detail);
}

std::string decode_component(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '+') {
            out += ' ';
        } else if (c == '%') {
            if (i + 2 >= text.size()) bad_form("truncated %-escape");
            int hi = hex_value(text[i + 1]), lo = hex_value(text[i + 2]);
            if (hi < 0 || lo < 0) bad_form("invalid %-escape");
            out += static_cast<char>(hi * 16 + lo);
            i += 2;
        } else {
            out += c;
        }
    }
    if (!valid_utf8(out)) bad_form("invalid UTF-8");
    if (out.find('\0') != std::string::npos) bad_form("NUL in a field");
    return out;
}

void check_field(std::map<std::string, std::string>& fields, std::string name, std::string value) {
    if (name.empty()) bad_form("empty field name");
    if (fields.size() >= kMaxFields) bad_form("too many fields");
    if (!fields.emplace(std::move(name), std::move(value)).second) bad_form("a field was sent twice");
}

// cgicc reads its input through this: the body we already hold and only
// the variables multipart parsing needs.
class BodyInput : public cgicc::CgiInput {
public:
    BodyInput(std::string content_type, std::string body) : type_(std::move(content_type)), body_(std::move(body)) {}
    size_t read(char* data, size_t length) override {
        size_t n = std::min(length, body_.size() - pos_);
        body_.copy(data, n, pos_);
        pos_ += n;
        return n;
    }
    std::string getenv(const char* name) override {
        std::string key(name);
        if (key == "REQUEST_METHOD") return "POST";
        if (key == "CONTENT_TYPE") return type_;
        if (key == "CONTENT_LENGTH") return std::to_string(body_.size());
        return {};
    }

private:
    std::string type_;
    std::string body_;
    size_t pos_ = 0;
};

void parse_multipart(Request& req, const std::string& content_type, std::string body) {
    // cgicc finds no fields when the boundary is quoted: unquote it.
    std::string type = content_type;
    auto b = type.find("boundary=\"");
    if (b != std::string::npos) {
        auto end = type.find('"', b + 10);
        if (end == std::string::npos) bad_form("unterminated multipart boundary");
        type = type.substr(0, b) + "boundary=" + type.substr(b + 10, end - b - 10) + type.substr(end + 1);
    }
    if (type.find("boundary=") == std::string::npos) bad_form("multipart body without a boundary");
    bool had_body = !body.empty();
    try {
        BodyInput input(type, std::move(body));
        cgicc::Cgicc cgi(&input);
        std::set<std::string> file_names;
        for (const auto& f : cgi.getFiles()) file_names.insert(f.getName());
        for (const auto& e : cgi.getElements()) {
            if (file_names.count(e.getName())) continue;
            std::string value = e.getValue();
            if (!valid_utf8(value) || value.find('\0') != std::string::npos || !valid_utf8(e.getName()) ||
                e.getName().find('\0') != std::string::npos)
                bad_form("invalid UTF-8 in a multipart field");
            check_field(req.form, e.getName(), value);
        }
        for (const auto& f : cgi.getFiles()) {
            if (req.files.count(f.getName())) bad_form("a file field was sent twice");
            req.files[f.getName()] = UploadedFile{f.getFilename(), f.getDataType(), f.getData()};
        }
        if (had_body && req.form.empty() && req.files.empty()) bad_form("multipart body with no readable parts");
    } catch (const HttpError&) {
        throw;
    } catch (const std::exception& e) {
        bad_form(std::string("multipart: ") + e.what());
    }
}

// "64 KiB", "2.1 MiB".
std::string size_text(std::size_t bytes) {
    if (bytes < 1024 * 1024) return std::to_string(bytes / 1024) + " KiB";
    std::size_t tenths = bytes * 10 / (1024 * 1024);
    return std::to_string(tenths / 10) + (tenths % 10 ? "." + std::to_string(tenths % 10) : "") + " MiB";
}

std::size_t parse_length(const std::string& text, std::size_t max_body) {
    if (text.empty() || text.size() > 12)
        throw HttpError(text.empty() ? 411 : 413, text.empty() ? "This request needs a Content-Length." : "The form is too large.",
                        "bad CONTENT_LENGTH: " + text.substr(0, 40));
    std::size_t n = 0;
    for (char c : text) {
        if (c < '0' || c > '9') throw HttpError(400, "The request had an invalid Content-Length.", "bad CONTENT_LENGTH: " + text);
        n = n * 10 + static_cast<std::size_t>(c - '0');
    }
    if (n > max_body)
        throw HttpError(413, "The form is too large (at most " + size_text(max_body) + ").",
                        "body of " + text + " bytes refused");
    return n;
}

}  // namespace

std::map<std::string, std::string> parse_urlencoded(std::string_view text) {
    std::map<std::string, std::string> fields;
    std::size_t start = 0;
    while (start <= text.size()) {
        auto amp = text.find('&', start);
        std::string_view pair = text.substr(start, amp == std::string_view::npos ? std::string_view::npos : amp - start);
        if (!pair.empty()) {
            auto eq = pair.find('=');
            std::string name = decode_component(pair.substr(0, eq));
            std::string value = eq == std::string_view::npos ? std::string() : decode_component(pair.substr(eq + 1));
            check_field(fields, std::move(name), std::move(value));
        }
        if (amp == std::string_view::npos) break;
        start = amp + 1;
    }
    return fields;
}

std::map<std::string, std::string> parse_cookies(std::string_view header) {
    std::map<std::string, std::string> cookies;
    std::set<std::string> twice;
    std::size_t start = 0;
    while (start < header.size()) {
        auto semi = header.find(';', start);
        std::string_view item = trim_view(header.substr(start, semi == std::string_view::npos ? std::string_view::npos : semi - start));
        auto eq = item.find('=');
        if (eq != std::string_view::npos && eq > 0) {
            std::string_view name = trim_view(item.substr(0, eq));
            std::string_view value = trim_view(item.substr(eq + 1));
            if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
            if (!name.empty() && !cookies.emplace(name, value).second) twice.emplace(name);
        }
        if (semi == std::string_view::npos) break;
        start = semi + 1;
    }
    for (const auto& name : twice) cookies.erase(name);
    return cookies;
}

namespace {

constexpr std::string_view kRead[] = {
    "REQUEST_METHOD", "REQUEST_URI",  "SCRIPT_NAME",    "PATH_INFO",      "REMOTE_ADDR",  "HTTP_USER_AGENT",
    "HTTP_ORIGIN",    "HTTP_COOKIE",  "QUERY_STRING",   "CONTENT_LENGTH", "CONTENT_TYPE", "HTTP_SEC_FETCH_SITE",
    "HTTP_X_FORWARDED_FOR", "REMOTE_USER",  "AUTH_TYPE",
};
constexpr std::size_t kLongest = 32;

// Which names of kRead (bit i: kRead[i]) have a given length, first and
// last character. CgiVariables asks about each of the twenty-odd
// variables a server sends (eight of lighttpd's are 11 characters long, as
// are six of these): with all three most are compared with no name at all,
// the rest with one.
struct ReadIndex {
    std::array<std::uint32_t, kLongest> length{};
    std::array<std::uint32_t, 256> first{}, last{};
};
constexpr ReadIndex kIndex = [] {
    static_assert(std::size(kRead) <= 32);
    ReadIndex index;
    for (std::size_t i = 0; i < std::size(kRead); ++i) {
        std::uint32_t bit = std::uint32_t{1} << i;
        index.length.at(kRead[i].size()) |= bit;
        index.first.at(static_cast<unsigned char>(kRead[i].front())) |= bit;
        index.last.at(static_cast<unsigned char>(kRead[i].back())) |= bit;
    }
    return index;
}();

// Where `name` is in kRead, when the program is compiled: a name not in
// it (which CgiVariables does not keep) does not compile.
consteval std::size_t at(std::string_view name) {
    for (std::size_t i = 0; i < std::size(kRead); ++i)
        if (kRead[i] == name) return i;
    throw "not a variable parse_request reads";
}

// Where `name` is in kRead; kUnread if it is not there.
constexpr std::size_t kUnread = std::size(kRead);
std::size_t read_index(std::string_view name) {
    if (name.empty() || name.size() >= kLongest) return kUnread;
    std::uint32_t candidates = kIndex.length[name.size()] & kIndex.first[static_cast<unsigned char>(name.front())] &
                               kIndex.last[static_cast<unsigned char>(name.back())];
    for (std::uint32_t m = candidates; m; m &= m - 1)
        if (kRead[std::countr_zero(m)] == name) return static_cast<std::size_t>(std::countr_zero(m));
    return kUnread;
}

}  // namespace

// Found in one pass over the variables: a dozen lookups in a map of them,
// or a copy of each, cost more.
CgiVariables::CgiVariables(const CgiEnv& env) {
    static_assert(std::tuple_size_v<decltype(values_)> == std::size(kRead));
    for (const auto& [name, value] : env) set(name, value);
}

CgiVariables::CgiVariables(const char* const* envp) {
    for (const char* const* p = envp; p && *p; ++p) {
        std::string_view line(*p);
        std::size_t eq = line.find('=');
        if (eq != std::string_view::npos) set(line.substr(0, eq), line.substr(eq + 1));
    }
}

// The first of a name sent twice counts, as in a map of them.
void CgiVariables::set(std::string_view name, std::string_view value) {
    std::size_t i = read_index(name);
    if (i == kUnread || (seen_ & (std::uint32_t{1} << i))) return;
    seen_ |= std::uint32_t{1} << i;
    values_[i] = value;
}

std::string_view CgiVariables::get(std::string_view name) const {
    std::size_t i = read_index(name);
    return i == kUnread ? std::string_view() : values_[i];
}

bool CgiVariables::head() const { return values_[at("REQUEST_METHOD")] == "HEAD"; }

Request parse_request(const CgiEnv& env, const BodyReader& read_body, const std::string& base_path, std::size_t max_body) {
    return parse_request(CgiVariables(env), read_body, base_path,
                         BodyLimit([max_body](const std::string&) { return max_body; }));
}

Request parse_request(const CgiVariables& var, const BodyReader& read_body, const std::string& base_path,
                      const BodyLimit& max_body_for) {
    Request req;
    req.method = var[at("REQUEST_METHOD")];
    if (req.method.empty() || req.method.size() > 16) throw HttpError(400, "Bad request.", "bad REQUEST_METHOD");
    for (char c : req.method)
        if (c < 'A' || c > 'Z') throw HttpError(400, "Bad request.", "bad REQUEST_METHOD");

    std::string_view uri = var[at("REQUEST_URI")];
    std::string joined;
    if (uri.empty()) uri = joined = std::string(var[at("SCRIPT_NAME")]).append(var[at("PATH_INFO")]);
    std::string path(uri.substr(0, uri.find('?')));
    if (path.size() > 2048) throw HttpError(414, "The address is too long.", "REQUEST_URI too long");
    if (!base_path.empty()) {
        if (path.compare(0, base_path.size(), base_path) != 0 ||
            (path.size() > base_path.size() && path[base_path.size()] != '/'))
            throw HttpError(404, "There is no such page.", "path outside BASE_URL: " + path);
        path = path.substr(base_path.size());
    }
    req.path = path.empty() ? "/" : path;

    req.remote_addr = var[at("REMOTE_ADDR")];
    // Who the web server authenticated (the admin area). A request header
    // arrives as HTTP_* (a "Remote-User" header is HTTP_REMOTE_USER) and can
    // never be REMOTE_USER; neither is REDIRECT_REMOTE_USER (Apache, after an
    // internal redirect to a program that was not itself authenticated):
    // the program must be behind the authentication, not only its path.
    // AUTH_TYPE too: Apache and lighttpd set both, an inherited variable
    // left over in a process environment seldom comes with both.
    if (!var[at("AUTH_TYPE")].empty()) req.remote_user = var[at("REMOTE_USER")].substr(0, 256);
    req.user_agent = var[at("HTTP_USER_AGENT")].substr(0, 512);
    req.origin = var[at("HTTP_ORIGIN")];
    req.sec_fetch_site = var[at("HTTP_SEC_FETCH_SITE")];
    req.forwarded_for = var[at("HTTP_X_FORWARDED_FOR")].substr(0, 4096);
    std::string_view cookie_header = var[at("HTTP_COOKIE")];
    if (cookie_header.size() > 8192) throw HttpError(400, "Your browser sent too many cookies.", "Cookie header too large");
    req.cookies = parse_cookies(cookie_header);

    std::string_view qs = var[at("QUERY_STRING")];
    if (qs.size() > 4096) throw HttpError(414, "The address is too long.", "QUERY_STRING too long");
    req.query = parse_urlencoded(qs);

    if (req.method != "POST") return req;

    std::size_t length = parse_length(std::string(var[at("CONTENT_LENGTH")]), max_body_for(req.path));
    std::string body = length ? read_body(length) : std::string();
    if (body.size() != length) bad_form("body shorter than CONTENT_LENGTH");

    std::string type = ascii_lower(var[at("CONTENT_TYPE")]);
    std::string essence = trim(type.substr(0, type.find(';')));
    if (essence == "application/x-www-form-urlencoded" || (essence.empty() && body.empty())) {
        req.form = parse_urlencoded(body);
    } else if (essence == "multipart/form-data") {
        parse_multipart(req, std::string(var[at("CONTENT_TYPE")]), std::move(body));
    } else {
        throw HttpError(415, "This page accepts only HTML form submissions.", "unsupported CONTENT_TYPE: " + type.substr(0, 80));
    }
    return req;
}

}  // namespace auth
