#include "pages/fields.hh"

#include "core/log.hh"
#include "account/password_policy.hh"
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

PasswordConfirm confirm_password(auth::App& app, const auth::Request& request, const auth::User& user,
                                 const std::string& action) {
    PasswordConfirm c;
    std::string current = request.field("current_password");
    if (auto wait = app.throttle.retry_after(user.email, request.remote_addr)) {
        c.status = 429;
        c.retry_after = *wait;
        c.error = "Too many wrong passwords. Wait " + minutes_text(*wait) + " and try again.";
        return c;
    }
    if (current.empty()) {
        c.status = 422;
        c.error = "Enter your current password.";
        return c;
    }
    if (current.size() > auth::kPasswordMaxBytes || !app.hasher.verify(user.password_hash, current)) {
        app.throttle.record_failure(user.email, request.remote_addr);
        auth::log_line(action + " refused for account " + std::to_string(user.id) + ": wrong current password");
        c.status = 403;
        c.error = "Your current password is not right.";
    }
    return c;
}

}  // namespace pages
