#include "pages/fields.hh"

#include "core/validate.hh"
#include "web/responses.hh"

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
    if (seconds >= 7200 && seconds % 3600 == 0) return std::to_string(seconds / 3600) + " hours";
    std::int64_t m = (seconds + 59) / 60;
    return std::to_string(m) + (m == 1 ? " minute" : " minutes");
}

auth::Response bad_link_page(auth::App& app, const auth::Visitor& visitor, const char* tpl, const char* title,
                             const LinkMessages& why, auth::TokenState state) {
    auth::Page page(tpl, title, app.config().base_path);
    int status = 410;
    const char* message = why.used;
    switch (state) {
        case auth::TokenState::Malformed: status = 400; message = why.malformed; break;
        case auth::TokenState::Unknown: status = 404; message = why.unknown; break;
        case auth::TokenState::Used: message = why.used; break;
        case auth::TokenState::Superseded: message = why.superseded; break;
        case auth::TokenState::Expired: message = why.expired; break;
        case auth::TokenState::Valid: break;
    }
    page.set("MESSAGE", message);
    return auth::render(app, visitor, page, status);
}

auth::Response too_many_links_page(auth::App& app, const auth::Visitor& visitor, const char* tpl, const char* title,
                                   std::int64_t retry_after) {
    auth::Page page(tpl, title, app.config().base_path);
    page.set("MESSAGE", "Too many links that did not work were opened from your network. Wait " + minutes_text(retry_after) +
                            " and try again, copying the whole link from the email.");
    auth::Response r = auth::render(app, visitor, page, 429);
    r.set_header("Retry-After", std::to_string(retry_after));
    return r;
}

auth::Proof proof_of(const auth::Request& request, const auth::Visitor& visitor) {
    return {request.field("current_password"), request.field("code"), visitor.logged_in() ? visitor.who->session.id : 0};
}

const char* reauth_field(const auth::ReauthCheck& check, const char* password_field, const char* code_field) {
    return check.code ? code_field : password_field;
}

ReauthError reauth_error(const auth::ReauthCheck& check) {
    if (check.code) {
        switch (check.result) {
            case auth::Reauth::Throttled:
                return {429, "Too many wrong codes. Wait " + minutes_text(check.retry_after) + " and try again."};
            case auth::Reauth::Missing:
                return {422, "Enter the 6-digit code from your authenticator app, or one of your recovery codes."};
            case auth::Reauth::Wrong:
                return {403, "That code is not right, or it was used already. Wait for the next code and try again."};
            case auth::Reauth::Ok:
                break;
        }
        return {};
    }
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
