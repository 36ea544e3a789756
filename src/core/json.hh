// JSON text for the data download (/profile/export): a string literal with
// everything RFC 8259 requires escaped, and "<", ">" and "&" as \u escapes
// too, so the text is inert wherever it is shown.
#pragma once
#include <string>
#include <string_view>

namespace auth {

// `text` (UTF-8) as a JSON string literal, quotes included.
std::string json_string(std::string_view text);

}  // namespace auth
