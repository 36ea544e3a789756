// What a process opens once and reuses for every request it serves, wired
// together: the Config, the store (SQLite), the account service and what it
// needs (hasher, policy, pictures, mail), CSRF and the page templates. Does
// no work of its own and holds no per-request state: that lives in Request,
// Response and locals.
#pragma once
#include <memory>
#include <string>

#include "account/accounts.hh"
#include "account/password_policy.hh"
#include "account/passwords.hh"
#include "account/pictures.hh"
#include "core/clock.hh"
#include "core/config.hh"
#include "mail/compose.hh"
#include "mail/outbox.hh"
#include "mail/starter.hh"
#include "store/store.hh"
#include "web/csrf.hh"
#include "web/view.hh"

namespace auth {

class App {
public:
    // Opens (creating or migrating) the database; throws on failure.
    explicit App(Config config, std::unique_ptr<Clock> clock = std::make_unique<SystemClock>());
    App(const App&) = delete;
    App& operator=(const App&) = delete;

    const Config& config() const { return config_; }
    const Clock& clock() const { return *clock_; }
    // The stores, for the account service, the tools and the tests: pages go
    // through `accounts`.
    Store& store() { return *store_; }

    // Cookie names: "__Host-sid" (https, path /), "__Secure-sid" (https) or "sid".
    std::string cookie_name(const std::string& base) const;

private:
    Config config_;
    std::unique_ptr<Clock> clock_;
    std::unique_ptr<Store> store_;

public:
    PasswordHasher hasher;
    PasswordPolicy policy;
    Csrf csrf;
    View view;
    MailComposer composer;
    Outbox outbox;
    PictureStore pictures;
    Accounts accounts;
    DeliveryStarter delivery;
};

}  // namespace auth
