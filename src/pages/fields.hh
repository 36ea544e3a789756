// Checks of the form fields several pages share, with the messages a person sees.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "web/app.hh"
#include "web/http.hh"

namespace pages {

// The full name as it will be stored (trimmed), or a message.
struct NameCheck {
    std::string value;
    std::optional<std::string> error;
};
NameCheck check_name(const std::string& raw);

inline constexpr std::size_t kNameMaxCodePoints = 100;

// The current password, typed again to confirm a sensitive change (a new
// password, a new email address, ending other sessions): checked against
// the account and throttled like a login; a wrong one counts as a failed
// login. `action` names the change in the log line.
struct PasswordConfirm {
    int status = 0;              // 0 when the password is right, else 422, 403 or 429
    std::string error;           // the message for the password field
    std::int64_t retry_after = 0;  // seconds, with 429

    bool ok() const { return status == 0; }
};
PasswordConfirm confirm_password(auth::App& app, const auth::Request& request, const auth::User& user,
                                 const std::string& action);

// "1 minute", "15 minutes" (rounded up).
std::string minutes_text(std::int64_t seconds);

// The status of the page for a reset or confirmation link that cannot be
// used: 400 when damaged, 404 when unknown, 410 when used, superseded or
// expired. Each page says why in its own words.
int bad_link_status(auth::TokenState state);

}  // namespace pages
