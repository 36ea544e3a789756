#include "web/app.hh"

#include "store/sqlite/stores.hh"

namespace auth {

namespace {

StoreSettings store_settings(const Config& c) {
    return {c.database_path, c.session_idle_timeout, c.session_absolute_timeout, c.reset_token_ttl, c.email_change_ttl};
}

}  // namespace

App::App(Config config, std::unique_ptr<Clock> clock, std::unique_ptr<Mailer> mailer)
    : config_(std::move(config)),
      clock_(std::move(clock)),
      mailer_(mailer ? std::move(mailer) : std::make_unique<SmtpMailer>(config_)),
      store_(std::make_unique<SqliteStore>(store_settings(config_), *clock_)),
      hasher(config_.argon2_opslimit, config_.argon2_memlimit_kib),
      policy(config_.password_min_length, config_.data_dir + "/common-passwords.txt"),
      csrf(config_.secret_key),
      view(config_.template_dir, config_.base_path),
      composer(config_.template_dir, config_.mail_from),
      outbox(store_->outbox(), *clock_, config_.secret_key),
      pictures(store_->users(), *clock_, config_.picture_dir),
      accounts(*store_, *clock_, config_, hasher, policy, pictures, composer, outbox),
      // The forked child opens a connection of its own.
      delivery(outbox, *mailer_, [this](Mailer& m) {
          SqliteStore own(store_settings(config_), *clock_);
          Outbox box(own.outbox(), *clock_, config_.secret_key);
          box.deliver_due(m, 20);
      }) {}

std::string App::cookie_name(const std::string& base) const {
    if (!config_.https) return base;
    return (config_.base_path.empty() ? "__Host-" : "__Secure-") + base;
}

}  // namespace auth
