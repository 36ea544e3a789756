// The profile page, shared by the handlers of the profile program
// (profile.cc, email.cc, sessions.cc, picture.cc): what the page shows, so
// that each form's errors come back on the whole page, and the sub-routes.
#pragma once
#include <string>

#include "web/app.hh"
#include "web/http.hh"
#include "web/view.hh"

namespace pages {

// Paths of the profile program's routes.
inline const std::string kPicturePrefix = "/profile/picture/";

// The largest body POST /profile takes: a picture of kMaxPictureBytes, the
// other fields and the multipart framing (PageProgram::route_max_body).
inline constexpr std::size_t kProfileFormMaxBody = auth::kMaxPictureBytes + 64 * 1024;

// The profile page of `user`, with everything but errors filled in; the
// name field holds `name_typed`.
void fill_profile(auth::Page& page, auth::App& app, const auth::User& user, const std::string& name_typed);
inline auth::Page profile_page(auth::App& app) { return auth::Page("profile.tpl", "Your profile", app.config().base_path); }

// /profile/email, /profile/email/cancel, /profile/email/confirm
auth::Response profile_email(const auth::Request& request, auth::App& app);
// /profile/sessions, /profile/sessions/revoke, /profile/sessions/revoke-others
auth::Response profile_sessions(const auth::Request& request, auth::App& app);
// /profile/picture/<name>
auth::Response profile_picture(const auth::Request& request, auth::App& app);

}  // namespace pages
