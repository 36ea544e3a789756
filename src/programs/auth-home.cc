// The home program: FastCGI (or plain CGI) around pages::home.
#include "web/serve.hh"
#include "pages/pages.hh"

int main(int argc, char** argv) { return auth::serve({pages::home}, argc, argv); }
