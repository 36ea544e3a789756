// What a process opens once and reuses for every request it serves: the
// Config, the database with its cached statements, the stores, the hasher,
// the password policy, CSRF and the template cache. Holds no per-request
// state: that lives in Request, Response and locals.
#pragma once
#include <memory>
#include <string>

#include "core/clock.hh"
#include "core/config.hh"
#include "web/csrf.hh"
#include "store/db.hh"
#include "store/email_changes.hh"
#include "mail/mailer.hh"
#include "store/outbox.hh"
#include "account/password_policy.hh"
#include "account/passwords.hh"
#include "account/pictures.hh"
#include "store/reset_tokens.hh"
#include "store/sessions.hh"
#include "store/throttle.hh"
#include "store/users.hh"
#include "web/view.hh"

namespace auth {

class App {
public:
    // Opens (creating or migrating) the database; throws on failure. The
    // mailer defaults to SMTP as configured.
    explicit App(Config config, std::unique_ptr<Clock> clock = std::make_unique<SystemClock>(),
                 std::unique_ptr<Mailer> mailer = nullptr);
    App(const App&) = delete;
    App& operator=(const App&) = delete;

    const Config& config() const { return config_; }
    const Clock& clock() const { return *clock_; }

    // A hash at the configured cost to verify against when a login names
    // no account, so that it costs what a wrong password costs. Kept in the
    // database and made again when the cost changes.
    const std::string& dummy_hash();

    // Cookie names: "__Host-sid" (https, path /), "__Secure-sid" (https) or "sid".
    std::string cookie_name(const std::string& base) const;

    // Deletes expired sessions, old login failures, old reset tokens and
    // email changes, and picture files no account uses.
    void housekeeping();
    // After a response is finished: sends due mail, now and then housekeeping.
    // With deliver_in_child(true) (FastCGI) the mail goes out from a forked
    // child with its own database connection, so the process is free for
    // the next request at once: neither SMTP latency nor whether a mail was
    // queued shows in the timing of any answer.
    void after_response(bool deliver_mail = false);
    void deliver_in_child(bool yes) { deliver_in_child_ = yes; }

    Mailer& mailer() { return *mailer_; }

private:
    Config config_;
    std::unique_ptr<Clock> clock_;
    std::unique_ptr<Mailer> mailer_;

public:
    Db db;
    UserStore users;
    SessionStore sessions;
    LoginThrottle throttle;
    PasswordHasher hasher;
    PasswordPolicy policy;
    Csrf csrf;
    View view;
    ResetTokenStore reset_tokens;
    Outbox outbox;
    EmailChangeStore email_changes;
    PictureStore pictures;

private:
    void deliver_forked();
    std::string dummy_hash_;
    bool deliver_in_child_ = false;
    int delivery_child_ = 0;
};

}  // namespace auth
