// The code step of a login with two-step login on (login_code.cc): the
// password step (login.cc) hands over to it; the route table is in login.cc.
#pragma once
#include <optional>
#include <string>

#include "web/app.hh"
#include "web/http.hh"
#include "web/visitor.hh"

namespace pages {

// The answer to a right password when a code is needed: the pending
// login's cookie and a 303 to /login/code (keeping `next`).
auth::Response code_step(auth::App& app, const std::string& pending_token, const std::optional<std::string>& next);

// GET /login/code, POST /login/code
auth::Response show_code_step(const auth::Request&, auth::App&, const auth::Visitor&);
auth::Response enter_code(const auth::Request&, auth::App&, const auth::Visitor&);

}  // namespace pages
