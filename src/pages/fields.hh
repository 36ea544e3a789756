// Checks of the form fields several pages share, with the messages a person sees.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "account/accounts.hh"
#include "web/app.hh"
#include "web/http.hh"
#include "web/visitor.hh"

namespace pages {

// The full name as it will be stored (trimmed), or a message.
struct NameCheck {
    std::string value;
    std::optional<std::string> error;
};
NameCheck check_name(const std::string& raw);

inline constexpr std::size_t kNameMaxCodePoints = 100;

// What a page says when the current password typed again was not accepted:
// the status (422 missing, 403 wrong, 429 too many) and the message for the
// password field (or the code field, when the code was the problem). Sets Retry-After on `response` when throttled.
struct ReauthError {
    int status = 0;
    std::string message;
};
ReauthError reauth_error(const auth::ReauthCheck& check);
// The current password (field current_password) and, when two-step login
// is on, the code (field code) of a form that asks again, sent in the
// visitor's session.
auth::Proof proof_of(const auth::Request& request, const auth::Visitor& visitor);
// The field a refused reauthentication's message belongs to: the code's or the password's.
const char* reauth_field(const auth::ReauthCheck& check, const char* password_field, const char* code_field);
void add_retry_after(auth::Response& response, const auth::ReauthCheck& check);

// "1 minute", "15 minutes" (rounded up), "24 hours" (whole hours from two on).
std::string minutes_text(std::int64_t seconds);

// The page for a mailed link that cannot be used, in `tpl` with `title`,
// saying why in the words of `why` (one message per state but Valid), with
// its status: 400 when damaged, 404 when unknown, 410 when used,
// superseded or expired.
struct LinkMessages {
    const char* malformed;
    const char* unknown;
    const char* used;
    const char* superseded;
    const char* expired;
};
auth::Response bad_link_page(auth::App& app, const auth::Visitor& visitor, const char* tpl, const char* title,
                             const LinkMessages& why, auth::TokenState state);

// The page of that template when the visitor's address has had too many
// links fail (Accounts::link_wait): 429 with Retry-After.
auth::Response too_many_links_page(auth::App& app, const auth::Visitor& visitor, const char* tpl, const char* title,
                                   std::int64_t retry_after);

}  // namespace pages
