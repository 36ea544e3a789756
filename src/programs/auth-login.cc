// The login program: FastCGI (or plain CGI) around pages::login.
#include "web/serve.hh"
#include "pages/pages.hh"

int main(int argc, char** argv) { return auth::serve({pages::login}, argc, argv); }
