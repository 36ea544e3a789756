// Every program's route table (web/routes.hh), and each program as one
// function from a Request to a Response: the table applied, as the serve
// loop applies it (404, 405, login, CSRF, the handler, the cookies). Each
// program's main() hands its table to auth::serve; tests call the functions.
#pragma once
#include "web/app.hh"
#include "web/http.hh"
#include "web/routes.hh"

namespace pages {

// / and /privacy
extern const auth::Program kHome;
// /register
extern const auth::Program kRegister;
// /login
extern const auth::Program kLogin;
// /logout
extern const auth::Program kLogout;
// /profile (name and picture), /profile/password, /profile/email...,
// /profile/sessions..., /profile/activity, /profile/export,
// /profile/delete, /profile/picture/<name>
extern const auth::Program kProfile;
// /login/passkey..., /profile/passkeys...
extern const auth::Program kPasskey;
// /reset (ask for a link) and /reset/confirm (set a new password with it)
extern const auth::Program kReset;
// /admin (find accounts), /admin/user (one account) and its actions,
// /admin/events, /admin/mail: only for the web server's authenticated
// REMOTE_USER listed in ADMIN_USERS.
extern const auth::Program kAdmin;

inline auth::Response home(const auth::Request& r, auth::App& app) { return auth::dispatch(kHome, r, app); }
inline auth::Response register_account(const auth::Request& r, auth::App& app) { return auth::dispatch(kRegister, r, app); }
inline auth::Response login(const auth::Request& r, auth::App& app) { return auth::dispatch(kLogin, r, app); }
inline auth::Response logout(const auth::Request& r, auth::App& app) { return auth::dispatch(kLogout, r, app); }
inline auth::Response profile(const auth::Request& r, auth::App& app) { return auth::dispatch(kProfile, r, app); }
inline auth::Response passkey(const auth::Request& r, auth::App& app) { return auth::dispatch(kPasskey, r, app); }
inline auth::Response reset(const auth::Request& r, auth::App& app) { return auth::dispatch(kReset, r, app); }
inline auth::Response admin(const auth::Request& r, auth::App& app) { return auth::dispatch(kAdmin, r, app); }

}  // namespace pages
