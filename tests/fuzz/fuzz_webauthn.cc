// libFuzzer target: what a browser's WebAuthn answer is read with before
// any signature is checked (src/webauthn/): the client data JSON (a reader
// of our own), the authenticator data, the attestation object and COSE keys
// (libcbor). The first byte picks the reader; the rest is its input.
//
// What must hold: no crash, leak or undefined behaviour on any input; a
// client data accepted has its three members; authenticator data accepted
// is at least 37 bytes, and its attested credential id 1 to 1023 bytes; a
// COSE key accepted is ES256 (x and y of 32 bytes) or EdDSA (x of 32 bytes)
// and says how many bytes it took, no more than it was given.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "webauthn/authenticator_data.hh"
#include "webauthn/ceremony.hh"
#include "webauthn/client_data.hh"
#include "webauthn/cose.hh"

using namespace auth::webauthn;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
    switch (data[0] % 4) {
        case 0: {
            if (auto c = parse_client_data(input)) {
                if (c->type.size() > input.size() || c->origin.size() > input.size()) std::abort();
            }
            RelyingParty rp{"http://localhost:8080", "localhost"};
            (void)check_client_data(rp, input, "webauthn.get");
            break;
        }
        case 1: {
            if (auto a = parse_authenticator_data(input)) {
                if (input.size() < 37 || a->rp_id_hash.size() != 32) std::abort();
                if (a->credential && (a->credential->credential_id.empty() || a->credential->credential_id.size() > 1023))
                    std::abort();
            }
            break;
        }
        case 2: {
            RelyingParty rp{"http://localhost:8080", "localhost"};
            (void)check_registration(rp, input);
            break;
        }
        case 3: {
            std::size_t used = 0;
            if (auto k = parse_cose_key(input, &used)) {
                if (used == 0 || used > input.size() || k->x.size() != 32) std::abort();
                if (k->alg == CoseAlgorithm::ES256 ? k->y.size() != 32 : !k->y.empty()) std::abort();
                (void)verify_signature(*k, input, input.substr(0, 64));
            }
            break;
        }
    }
    return 0;
}
