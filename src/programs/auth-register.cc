// The register program: FastCGI (or plain CGI) around pages::register_account.
#include "web/serve.hh"
#include "pages/pages.hh"

int main(int argc, char** argv) { return auth::serve({pages::register_account}, argc, argv); }
