// Checks of what people type: UTF-8, email addresses, names, and the local
// paths accepted in `next`.
#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace auth {

// Well-formed UTF-8: no overlongs, no surrogates, nothing above U+10FFFF.
bool valid_utf8(std::string_view text);

// Number of code points in valid UTF-8.
std::size_t code_points(std::string_view text);

// Any C0 or C1 control character, DEL, or a bidi override (U+202A-U+202E,
// U+2066-U+2069).
bool has_control_chars(std::string_view text);

// An address of the form local@domain (ASCII, at most 254 octets, local part
// at most 64), with the domain lowercased; nullopt if it is not one. Refuses
// whitespace, control characters, quotes and anything that could end a
// header or an SMTP command.
std::optional<std::string> normalize_email(std::string_view text);

// The ASCII-lowercased copy (emails and throttling keys).
std::string ascii_lower(std::string_view text);

// RFC 3986 percent-encoding: every byte but the unreserved characters
// (A-Z a-z 0-9 - _ . ~) and those in `keep` becomes %XX (upper-case hex).
std::string percent_encode(std::string_view text, std::string_view keep = {});

// Leading and trailing ASCII whitespace removed.
std::string trim(std::string_view text);
// The same as a view into `text`, for a parser that copies only what it keeps.
std::string_view trim_view(std::string_view text);

// A path inside the site such as "/profile" or "/profile?tab=1" that is safe
// to put after BASE_URL in a Location header; nullopt for anything else
// (absolute URLs, "//host", backslashes, control characters, "..").
std::optional<std::string> local_path(std::string_view next);

}  // namespace auth
