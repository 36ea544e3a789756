// The profile program: FastCGI (or plain CGI) around its route table (src/pages/).
#include "pages/pages.hh"
#include "web/serve.hh"

int main(int argc, char** argv) { return auth::serve(pages::kProfile, argc, argv); }
