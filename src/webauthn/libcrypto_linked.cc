// load_libcrypto() where libcrypto is linked: the upload bundle
// (libcrypto.a) takes this from libwebauthn.a. auth-passkey of the
// ordinary build links libcrypto.cc instead, whose definition comes first
// (an object named on the command line is used before an archive member),
// and the unit tests tests/unit/support.cc's, which can fail on purpose.
#include "webauthn/libcrypto.hh"

namespace auth::webauthn {

void load_libcrypto() {}

}  // namespace auth::webauthn
