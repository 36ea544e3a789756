#include "web/app.hh"

#include "store/sqlite/stores.hh"

namespace auth {

App::App(Config config, std::unique_ptr<Clock> clock)
    : config_(std::move(config)),
      clock_(std::move(clock)),
      store_(std::make_unique<SqliteStore>(StoreSettings::of(config_), *clock_)),
      hasher(config_.argon2_opslimit, config_.argon2_memlimit_kib),
      policy(config_.password_min_length, config_.data_dir + "/common-passwords.txt"),
      csrf(config_.secret_key),
      view(config_.template_dir, config_.base_path, config_.site_name),
      composer(config_.template_dir, config_.mail_from, config_.site_name),
      outbox(store_->outbox(), *clock_, config_.secret_key, config_.mail_max_per_hour),
      pictures(store_->users(), *clock_, config_.picture_dir),
      accounts(*store_, *clock_, config_, hasher, policy, pictures, composer, outbox),
      delivery(config_, outbox) {}

std::string App::cookie_name(const std::string& base) const {
    if (!config_.https) return base;
    return (config_.base_path.empty() ? "__Host-" : "__Secure-") + base;
}

}  // namespace auth
