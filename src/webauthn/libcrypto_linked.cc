// load_libcrypto() where libcrypto is linked: the unit tests and the upload
// bundle (libcrypto.a) take this from libwebauthn.a. auth-passkey of the
// ordinary build links libcrypto.cc instead, whose definition comes first
// (an object named on the command line is used before an archive member).
#include "webauthn/libcrypto.hh"

namespace auth::webauthn {

void load_libcrypto() {}

}  // namespace auth::webauthn
