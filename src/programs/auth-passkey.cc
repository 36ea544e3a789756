// The passkey program: FastCGI (or plain CGI) around its route table
// (src/pages/passkeys.cc). The only page program that verifies WebAuthn
// answers, and so the only one linking libcbor and libcrypto.
#include "pages/pages.hh"
#include "web/serve.hh"

int main(int argc, char** argv) { return auth::serve(pages::kPasskey, argc, argv); }
