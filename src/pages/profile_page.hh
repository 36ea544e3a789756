// The profile program's handlers (profile.cc, email.cc, sessions.cc,
// picture.cc) and the profile page they share, so that each form's errors
// come back on the whole page. The route table is in profile.cc.
#pragma once
#include <string>

#include "web/app.hh"
#include "web/http.hh"
#include "web/view.hh"
#include "web/visitor.hh"

namespace pages {

// The picture route: /profile/picture/<name>.
inline constexpr const char* kPicturePrefix = "/profile/picture/";

// The largest body POST /profile takes: a picture of kMaxPictureBytes, the
// other fields and the multipart framing.
inline constexpr std::size_t kProfileFormMaxBody = auth::kMaxPictureBytes + 64 * 1024;

// The profile page of the logged-in visitor, with everything but errors
// filled in; the name field holds `name_typed`. It reads nothing more from
// the database: the visitor's identity holds all it shows (read with the
// session), and a page that changed any of it redirects instead.
void fill_profile(auth::Page& page, auth::App& app, const auth::Visitor& visitor, const std::string& name_typed);
inline auth::Page profile_page(auth::App& app) { return auth::Page("profile.tpl", "Your profile", app.config().base_path); }

// email.cc: POST /profile/email, POST /profile/email/cancel,
// GET and POST /profile/email/confirm
auth::Response request_email_change(const auth::Request&, auth::App&, const auth::Visitor&);
auth::Response cancel_email_change(const auth::Request&, auth::App&, const auth::Visitor&);
auth::Response show_email_confirm(const auth::Request&, auth::App&, const auth::Visitor&);
auth::Response confirm_email_change(const auth::Request&, auth::App&, const auth::Visitor&);

// sessions.cc: GET /profile/sessions, POST /profile/sessions/revoke and
// /profile/sessions/revoke-others
auth::Response list_sessions(const auth::Request&, auth::App&, const auth::Visitor&);
auth::Response end_session(const auth::Request&, auth::App&, const auth::Visitor&);
auth::Response end_other_sessions(const auth::Request&, auth::App&, const auth::Visitor&);

// two_factor.cc: GET /profile/two-factor, POST /profile/two-factor/start,
// GET /profile/two-factor/qr.svg, POST /profile/two-factor/confirm,
// /profile/two-factor/off, /profile/two-factor/recovery-codes and
// /profile/two-factor/recovery-codes.txt
inline constexpr const char* kQrCodePath = "/profile/two-factor/qr.svg";
auth::Response show_two_factor(const auth::Request&, auth::App&, const auth::Visitor&);
auth::Response start_two_factor(const auth::Request&, auth::App&, const auth::Visitor&);
auth::Response two_factor_qr_code(const auth::Request&, auth::App&, const auth::Visitor&);
auth::Response confirm_two_factor(const auth::Request&, auth::App&, const auth::Visitor&);
auth::Response turn_off_two_factor(const auth::Request&, auth::App&, const auth::Visitor&);
auth::Response new_recovery_codes(const auth::Request&, auth::App&, const auth::Visitor&);
auth::Response download_recovery_codes(const auth::Request&, auth::App&, const auth::Visitor&);

// account_data.cc: GET /profile/activity, GET /profile/export, GET and
// POST /profile/delete
auth::Response show_activity(const auth::Request&, auth::App&, const auth::Visitor&);
auth::Response export_data(const auth::Request&, auth::App&, const auth::Visitor&);
auth::Response show_delete(const auth::Request&, auth::App&, const auth::Visitor&);
auth::Response delete_account(const auth::Request&, auth::App&, const auth::Visitor&);

// picture.cc: GET /profile/picture/<name>
auth::Response show_picture(const auth::Request&, auth::App&, const auth::Visitor&);

}  // namespace pages
