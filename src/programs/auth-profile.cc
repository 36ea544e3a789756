// The profile program: FastCGI (or plain CGI) around pages::profile. POST
// /profile may carry a picture, so it takes a larger body than the 64 KiB
// every other route (and every other program) accepts.
#include "web/serve.hh"
#include "pages/pages.hh"
#include "pages/profile_page.hh"

int main(int argc, char** argv) {
    return auth::serve({pages::profile, auth::kDefaultMaxBody, {{"/profile", pages::kProfileFormMaxBody}}}, argc, argv);
}
