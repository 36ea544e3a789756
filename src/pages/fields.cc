#include "pages/fields.hh"

#include "core/validate.hh"

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

std::string minutes_text(std::int64_t seconds) {
    std::int64_t m = (seconds + 59) / 60;
    return std::to_string(m) + (m == 1 ? " minute" : " minutes");
}

int bad_link_status(auth::TokenState state) {
    switch (state) {
        case auth::TokenState::Malformed:
            return 400;
        case auth::TokenState::Unknown:
            return 404;
        case auth::TokenState::Used:
        case auth::TokenState::Superseded:
        case auth::TokenState::Expired:
        case auth::TokenState::Valid:
            break;
    }
    return 410;
}

auth::Client client_of(const auth::Request& request) { return {request.remote_addr, request.user_agent}; }

ReauthError reauth_error(const auth::ReauthCheck& check) {
    switch (check.result) {
        case auth::Reauth::Throttled:
            return {429, "Too many wrong passwords. Wait " + minutes_text(check.retry_after) + " and try again."};
        case auth::Reauth::Missing:
            return {422, "Enter your current password."};
        case auth::Reauth::Wrong:
            return {403, "Your current password is not right."};
        case auth::Reauth::Ok:
            break;
    }
    return {};
}

void add_retry_after(auth::Response& response, const auth::ReauthCheck& check) {
    if (check.result == auth::Reauth::Throttled) response.set_header("Retry-After", std::to_string(check.retry_after));
}

}  // namespace pages
