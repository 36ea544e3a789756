// The profile program: FastCGI (or plain CGI) around pages::profile.
#include "auth/serve.hh"
#include "pages/pages.hh"

int main(int argc, char** argv) { return auth::serve({pages::profile}, argc, argv); }
