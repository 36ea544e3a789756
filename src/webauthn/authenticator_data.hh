// Authenticator data (WebAuthn Level 2 §6.1): the RP ID hash, the flags,
// the signature counter and, at registration, the attested credential data
// (AAGUID, credential id, public key). Read byte by byte at fixed offsets;
// the public key's length is the length of its CBOR item.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "webauthn/cose.hh"

namespace auth::webauthn {

inline constexpr std::uint8_t kUserPresent = 0x01;
inline constexpr std::uint8_t kUserVerified = 0x04;
inline constexpr std::uint8_t kAttestedData = 0x40;
inline constexpr std::uint8_t kExtensionData = 0x80;

struct AttestedCredential {
    std::string aaguid;         // 16 bytes
    std::string credential_id;  // 1 to 1023 bytes
    std::string public_key;     // the COSE_Key as the authenticator wrote it
    CoseKey key;
};

struct AuthenticatorData {
    std::string rp_id_hash;  // 32 bytes
    std::uint8_t flags = 0;
    std::uint32_t sign_count = 0;
    std::optional<AttestedCredential> credential;  // when the AT flag is set
};

// nullopt when the bytes are too short, the AT flag and the data disagree,
// the key is not one we take, or bytes are left over that the ED flag does
// not account for.
std::optional<AuthenticatorData> parse_authenticator_data(std::string_view bytes);

}  // namespace auth::webauthn
