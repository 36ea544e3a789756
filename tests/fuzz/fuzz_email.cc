// libFuzzer target: the email address check (normalize_email) and, beside
// it, the other checks of what people type that guard a header or a
// redirect (local_path, valid_utf8, has_control_chars).
//
// What must hold for an accepted address: at most 254 octets, one '@',
// printable ASCII without spaces, quotes, '<', '>', ',' or anything that
// could end a header or an SMTP command, a lowercase domain, and
// normalize_email(normalize_email(x)) == normalize_email(x). For an
// accepted `next`: a path starting with one '/', no backslash, no "/." and
// no '%' before the query, nothing outside the allowed characters.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/validate.hh"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);

    if (auto email = auth::normalize_email(text)) {
        const std::string& e = *email;
        if (e.empty() || e.size() > 254) std::abort();
        auto at = e.find('@');
        if (at == std::string::npos || at == 0 || e.find('@', at + 1) != std::string::npos) std::abort();
        for (char c : e) {
            unsigned char u = static_cast<unsigned char>(c);
            if (u <= 0x20 || u >= 0x7F || c == '"' || c == '<' || c == '>' || c == ',' || c == '(' || c == ')' ||
                c == '\\' || c == ':' || c == ';' || c == '[' || c == ']')
                std::abort();
        }
        for (std::size_t i = at + 1; i < e.size(); ++i)
            if (e[i] >= 'A' && e[i] <= 'Z') std::abort();
        auto again = auth::normalize_email(e);
        if (!again || *again != e) std::abort();
        if (!auth::valid_utf8(e) || auth::has_control_chars(e)) std::abort();
    }

    if (auto path = auth::local_path(text)) {
        const std::string& p = *path;
        if (p.empty() || p[0] != '/' || (p.size() > 1 && (p[1] == '/' || p[1] == '\\'))) std::abort();
        if (p.find('\\') != std::string::npos || p.find('\r') != std::string::npos || p.find('\n') != std::string::npos)
            std::abort();
        std::string before_query = p.substr(0, p.find('?'));
        if (before_query.find("/.") != std::string::npos || before_query.find('%') != std::string::npos) std::abort();
    }

    bool utf8 = auth::valid_utf8(text);
    if (utf8) (void)auth::code_points(text);
    if (!utf8 && !auth::has_control_chars(text)) std::abort();  // broken UTF-8 counts as a control character
    (void)auth::trim(text);
    (void)auth::ascii_lower(text);
    return 0;
}
