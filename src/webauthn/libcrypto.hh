// libcrypto for ES256 (P-256 keys and signatures): loaded by the first
// passkey that needs it, not at the start of auth-passkey (libcrypto.cc says
// why). Call load_libcrypto() before any libcrypto function; it throws
// LibcryptoError saying what is missing when it cannot be loaded, and
// costs nothing after the first call. Where libcrypto is linked (the upload
// bundle) it does nothing (libcrypto_linked.cc); the unit tests have their
// own, which fails when a test says so (tests/unit/support.hh).
#pragma once
#include <stdexcept>

namespace auth::webauthn {

// libcrypto.so.3 is not there, or too old: passkeys with ES256 keys cannot
// be checked on this host (EdDSA ones still can).
class LibcryptoError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

void load_libcrypto();

}  // namespace auth::webauthn
