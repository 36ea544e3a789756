// The client data of a WebAuthn response (clientDataJSON, WebAuthn Level 2
// §5.8.1): the JSON the browser wrote and the authenticator signed a hash
// of. Read strictly: one object, UTF-8, every string member unescaped;
// members we do not know are skipped whatever their type. A text that is
// not such an object is refused, never guessed at.
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace auth::webauthn {

struct ClientData {
    std::string type;        // "webauthn.create" or "webauthn.get"
    std::string challenge;   // base64url, as the browser wrote it
    std::string origin;      // "https://example.com"
    bool cross_origin = false;
};

// The members above, or nullopt when `json` is not one JSON object with
// string members type, challenge and origin (crossOrigin, if there, a boolean).
std::optional<ClientData> parse_client_data(std::string_view json);

}  // namespace auth::webauthn
