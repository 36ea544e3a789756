// The checks of WebAuthn Level 2's two ceremonies that need no database:
// registration (§7.1) and authentication (§7.2). The account service
// does the rest: the challenge (single use, stored hashed, bound to the
// browser), which account a credential belongs to, and keeping the key and
// its counter. Each check answers with what is wrong, so that the page can
// say it and the log can name it.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "webauthn/authenticator_data.hh"
#include "webauthn/client_data.hh"
#include "webauthn/cose.hh"

namespace auth::webauthn {

// The site as WebAuthn sees it: the origin of BASE_URL and its host (the RP ID).
struct RelyingParty {
    std::string origin;  // "https://example.com" (no path)
    std::string id;      // "example.com"

    // From a BASE_URL as core/config normalises it.
    static RelyingParty of_base_url(std::string_view base_url);
};

enum class Verdict {
    Ok,
    Malformed,        // a field is not what the browser sends (not base64url, not JSON, not CBOR)
    WrongType,        // clientData.type is not the ceremony's
    WrongOrigin,      // clientData.origin is not the site's, or crossOrigin is true
    WrongRpId,        // rpIdHash is not SHA-256 of the site's host
    NotPresent,       // the UP flag is not set
    NotVerified,      // the UV flag is not set
    BadAttestation,   // not "none" attestation, or no attested credential data
    UnsupportedKey,   // not an ES256 or EdDSA key (or not a key at all)
    BadSignature,     // the signature does not verify
    CounterBackwards, // the signature counter did not grow
};

// For the log line of a refusal.
const char* describe(Verdict v);

struct ClientDataCheck {
    Verdict verdict = Verdict::Malformed;
    ClientData data;  // with Ok: data.challenge is what the account service looks up
};
// clientDataJSON (raw bytes): JSON, `type` ("webauthn.create" or
// "webauthn.get") and the site's origin, not cross-origin.
ClientDataCheck check_client_data(const RelyingParty& rp, std::string_view json, std::string_view type);

struct Registration {
    Verdict verdict = Verdict::Malformed;
    AttestedCredential credential;
    std::uint32_t sign_count = 0;
};
// The attestation object (raw CBOR) of a registration whose client data
// passed check_client_data: "none" attestation, the site's RP ID hash, the
// user present and verified, a credential with a key we take.
Registration check_registration(const RelyingParty& rp, std::string_view attestation_object);

struct Assertion {
    Verdict verdict = Verdict::Malformed;
    std::uint32_t sign_count = 0;  // the new counter, with Ok
};
// An assertion (§7.2 steps 11 to 21) by the credential with `key` whose
// stored counter is `stored_count`: the site's RP ID hash, the user present
// and verified, the signature over authenticatorData || SHA-256(clientDataJSON),
// and a counter that grew (unless both it and the stored one are 0).
Assertion check_assertion(const RelyingParty& rp, std::string_view authenticator_data, std::string_view client_data_json,
                          std::string_view signature, const CoseKey& key, std::uint32_t stored_count);

}  // namespace auth::webauthn
