// libcrypto for ES256 (P-256 keys and signatures): loaded by the first
// passkey that needs it, not at the start of auth-passkey (libcrypto.cc says
// why). Call load_libcrypto() before any libcrypto function; it throws
// std::runtime_error saying what is missing when it cannot be loaded, and
// costs nothing after the first call. Where libcrypto is linked (the unit
// tests, the upload bundle) it does nothing (libcrypto_linked.cc).
#pragma once

namespace auth::webauthn {

void load_libcrypto();

}  // namespace auth::webauthn
