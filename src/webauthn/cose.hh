// Credential public keys (COSE_Key, RFC 8152 §7, as WebAuthn Level 2 §5.8.5
// uses them) and the signatures made with them. Read with libcbor; ES256
// (COSE -7, ECDSA P-256 with SHA-256) verified with OpenSSL's libcrypto,
// EdDSA (COSE -8, Ed25519) with libsodium. No other algorithm is taken.
#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace auth::webauthn {

enum class CoseAlgorithm { ES256 = -7, EdDSA = -8 };

struct CoseKey {
    CoseAlgorithm alg = CoseAlgorithm::ES256;
    std::string x;  // 32 bytes
    std::string y;  // 32 bytes (ES256 only)
};

// The key of one CBOR item at the start of `bytes` (its length in `used`),
// or nullopt when it is not a COSE key of an algorithm above with the
// right curve and coordinate lengths.
std::optional<CoseKey> parse_cose_key(std::string_view bytes, std::size_t* used = nullptr);

// True when `signature` is a valid signature of `message` by `key` (ES256:
// DER-encoded ECDSA over SHA-256 of the message; EdDSA: 64 raw bytes).
// With an ES256 key, this and parse_cose_key (hence the ceremonies) throw
// LibcryptoError (libcrypto.hh) when libcrypto cannot be loaded.
bool verify_signature(const CoseKey& key, std::string_view message, std::string_view signature);

// The attestation object of a registration (§6.5): its format and
// authenticator data. attStmt is handed back empty unless fmt is "none"
// (the only one taken: the site asks for no attestation).
struct AttestationObject {
    std::string fmt;
    bool empty_statement = false;
    std::string auth_data;
};
std::optional<AttestationObject> parse_attestation_object(std::string_view bytes);

}  // namespace auth::webauthn
