// The logout program: FastCGI (or plain CGI) around pages::logout.
#include "web/serve.hh"
#include "pages/pages.hh"

int main(int argc, char** argv) { return auth::serve({pages::logout}, argc, argv); }
