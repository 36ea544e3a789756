// Every page of the site: a function from a Request to a Response. Each
// program's main() hands one of them to auth::serve; tests call them directly.
#pragma once
#include "web/app.hh"
#include "web/http.hh"

namespace pages {

auth::Response home(const auth::Request& request, auth::App& app);
auth::Response register_account(const auth::Request& request, auth::App& app);
auth::Response login(const auth::Request& request, auth::App& app);
auth::Response logout(const auth::Request& request, auth::App& app);
// /profile (name and picture), /profile/password, and the routes below
// /profile/email, /profile/sessions and /profile/picture/ (profile_page.hh)
auth::Response profile(const auth::Request& request, auth::App& app);
// /reset (ask for a link) and /reset/confirm (set a new password with it)
auth::Response reset(const auth::Request& request, auth::App& app);

}  // namespace pages
