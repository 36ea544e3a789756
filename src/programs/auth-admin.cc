// The admin program: FastCGI (or plain CGI) around its route table (src/pages/admin.cc).
#include "pages/pages.hh"
#include "web/serve.hh"

int main(int argc, char** argv) { return auth::serve(pages::kAdmin, argc, argv); }
