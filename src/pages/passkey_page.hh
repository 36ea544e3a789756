// The passkey program's handlers (passkeys.cc: the profile's passkeys and
// the step-up; passkey_login.cc: logging in) and what they share: the
// fields a browser's WebAuthn answer comes in, and what a refusal says.
// The route table, kPasskey, is in passkeys.cc.
#pragma once
#include <optional>
#include <string>

#include "account/accounts.hh"
#include "web/app.hh"
#include "web/http.hh"
#include "web/visitor.hh"

namespace pages {

// The answer site.js posts (base64url fields credential_id, client_data,
// attestation_object or authenticator_data, signature, user_handle),
// decoded; nullopt when a field that must be there is missing or is not
// base64url.
std::optional<auth::PasskeyResponse> passkey_response(const auth::Request& request, bool registration);

// What the page says for a refused answer, and its status.
std::string passkey_message(auth::PasskeyProblem problem);
int passkey_status(auth::PasskeyProblem problem);

// A small JSON answer (site.js reads it): `body` is a JSON object.
auth::Response json_response(int status, std::string body);
// A JSON string of base64url text (nothing in it needs escaping).
std::string json_string(const std::string& base64url);

// passkey_login.cc: POST /login/passkey/challenge (JSON), POST /login/passkey
auth::Response login_challenge(const auth::Request&, auth::App&, const auth::Visitor&);
auth::Response log_in_with_passkey(const auth::Request&, auth::App&, const auth::Visitor&);

}  // namespace pages
