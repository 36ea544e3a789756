#include "core/validate.hh"

namespace auth {

namespace {

// Decodes one code point at text[i]; returns its length, 0 if malformed.
std::size_t decode(std::string_view text, std::size_t i, char32_t& cp) {
    auto b = [&](std::size_t k) { return static_cast<unsigned char>(text[i + k]); };
    unsigned char c = b(0);
    std::size_t len;
    char32_t min;
    if (c < 0x80) { cp = c; return 1; }
    if (c >= 0xC2 && c <= 0xDF) { len = 2; cp = c & 0x1F; min = 0x80; }
    else if (c >= 0xE0 && c <= 0xEF) { len = 3; cp = c & 0x0F; min = 0x800; }
    else if (c >= 0xF0 && c <= 0xF4) { len = 4; cp = c & 0x07; min = 0x10000; }
    else return 0;
    if (i + len > text.size()) return 0;
    for (std::size_t k = 1; k < len; ++k) {
        if ((b(k) & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (b(k) & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return len;
}

bool is_atext(char c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
    switch (c) {
        case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+': case '-':
        case '/': case '=': case '?': case '^': case '_': case '`': case '{': case '|': case '}': case '~':
            return true;
        default:
            return false;
    }
}

bool valid_label(std::string_view label) {
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
    for (char c : label)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-')) return false;
    return true;
}

}  // namespace

bool valid_utf8(std::string_view text) {
    for (std::size_t i = 0; i < text.size();) {
        char32_t cp;
        std::size_t n = decode(text, i, cp);
        if (n == 0) return false;
        i += n;
    }
    return true;
}

std::size_t code_points(std::string_view text) {
    std::size_t count = 0;
    for (unsigned char c : text)
        if ((c & 0xC0) != 0x80) ++count;
    return count;
}

bool has_control_chars(std::string_view text) {
    for (std::size_t i = 0; i < text.size();) {
        char32_t cp;
        std::size_t n = decode(text, i, cp);
        if (n == 0) return true;
        if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F) || (cp >= 0x202A && cp <= 0x202E) ||
            (cp >= 0x2066 && cp <= 0x2069) || cp == 0x2028 || cp == 0x2029 || cp == 0xFEFF)
            return true;
        i += n;
    }
    return false;
}

std::string ascii_lower(std::string_view text) {
    std::string out(text);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

std::string percent_encode(std::string_view text, std::string_view keep) {
    static const char hex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : text) {
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
            c == '~' || keep.find(static_cast<char>(c)) != std::string_view::npos) {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

std::string_view trim_view(std::string_view text) {
    auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; };
    while (!text.empty() && space(text.front())) text.remove_prefix(1);
    while (!text.empty() && space(text.back())) text.remove_suffix(1);
    return text;
}

std::string trim(std::string_view text) { return std::string(trim_view(text)); }

std::optional<std::string> normalize_email(std::string_view text) {
    if (text.empty() || text.size() > 254) return std::nullopt;
    auto at = text.rfind('@');
    if (at == std::string_view::npos || text.find('@') != at) return std::nullopt;
    std::string_view local = text.substr(0, at), domain = text.substr(at + 1);
    if (local.empty() || local.size() > 64 || domain.empty() || domain.size() > 253) return std::nullopt;
    if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos) return std::nullopt;
    for (char c : local)
        if (!is_atext(c) && c != '.') return std::nullopt;
    std::size_t labels = 0;
    std::size_t start = 0;
    while (true) {
        auto dot = domain.find('.', start);
        std::string_view label = domain.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
        if (!valid_label(label)) return std::nullopt;
        ++labels;
        if (dot == std::string_view::npos) break;
        start = dot + 1;
    }
    if (labels < 2) return std::nullopt;
    return std::string(local) + "@" + ascii_lower(domain);
}

std::optional<std::string> local_path(std::string_view next) {
    if (next.empty() || next.size() > 512 || next.front() != '/') return std::nullopt;
    if (next.size() > 1 && (next[1] == '/' || next[1] == '\\')) return std::nullopt;
    for (unsigned char c : next) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        switch (c) {
            case '/': case '-': case '_': case '.': case '~': case '?': case '=': case '&': case '%': case '+':
                ok = true;
                break;
            default:
                break;
        }
        if (!ok) return std::nullopt;
    }
    std::string_view path = next.substr(0, next.find('?'));
    if (path.find("/.") != std::string_view::npos || path.find('%') != std::string_view::npos) return std::nullopt;
    return std::string(next);
}

}  // namespace auth
