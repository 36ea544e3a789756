// Checks of the form fields several pages share, with the messages a person sees.
#pragma once
#include <optional>
#include <string>

namespace pages {

// The full name as it will be stored (trimmed), or a message.
struct NameCheck {
    std::string value;
    std::optional<std::string> error;
};
NameCheck check_name(const std::string& raw);

inline constexpr std::size_t kNameMaxCodePoints = 100;

}  // namespace pages
