#include "pages/fields.hh"

#include "auth/validate.hh"

namespace pages {

NameCheck check_name(const std::string& raw) {
    NameCheck c{auth::trim(raw), std::nullopt};
    if (c.value.empty())
        c.error = "Enter your full name.";
    else if (auth::code_points(c.value) > kNameMaxCodePoints)
        c.error = "Use at most " + std::to_string(kNameMaxCodePoints) + " characters for your name.";
    else if (auth::has_control_chars(c.value))
        c.error = "The name contains characters that are not allowed (control or direction characters).";
    return c;
}

}  // namespace pages
