// The reset program: FastCGI (or plain CGI) around pages::reset.
#include "web/serve.hh"
#include "pages/pages.hh"

int main(int argc, char** argv) { return auth::serve({pages::reset}, argc, argv); }
