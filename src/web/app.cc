#include "web/app.hh"

#include <fcntl.h>
#include <sodium.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "core/log.hh"
#include "store/schema.hh"

namespace auth {

namespace {
Db& migrated(Db& db) {
    migrate(db);
    return db;
}
}  // namespace

App::App(Config config, std::unique_ptr<Clock> clock, std::unique_ptr<Mailer> mailer)
    : config_(std::move(config)),
      clock_(std::move(clock)),
      mailer_(mailer ? std::move(mailer) : std::make_unique<SmtpMailer>(config_)),
      db(config_.database_path),
      users(migrated(db)),
      sessions(db, *clock_, config_.session_idle_timeout, config_.session_absolute_timeout),
      throttle(db, *clock_),
      hasher(config_.argon2_opslimit, config_.argon2_memlimit_kib),
      policy(config_.password_min_length, config_.data_dir + "/common-passwords.txt"),
      csrf(config_.secret_key),
      view(config_.template_dir, config_.base_path),
      reset_tokens(db, *clock_, config_.reset_token_ttl),
      outbox(db, *clock_, config_.secret_key),
      email_changes(db, *clock_, config_.email_change_ttl),
      pictures(db, *clock_, config_.picture_dir) {}

const std::string& App::dummy_hash() {
    if (!dummy_hash_.empty()) return dummy_hash_;
    {
        auto q = db.query("SELECT value FROM settings WHERE key = 'dummy_hash'");
        if (q.step()) dummy_hash_ = q.text(0);
    }
    if (dummy_hash_.empty() || hasher.needs_rehash(dummy_hash_)) {
        dummy_hash_ = hasher.hash("not a password: " + config_.base_url);
        auto q = db.query("INSERT OR REPLACE INTO settings (key, value) VALUES ('dummy_hash', ?)");
        q.bind(1, dummy_hash_).exec();
    }
    return dummy_hash_;
}

std::string App::cookie_name(const std::string& base) const {
    if (!config_.https) return base;
    return (config_.base_path.empty() ? "__Host-" : "__Secure-") + base;
}

void App::deliver_forked() {
    if (delivery_child_ > 0) {
        if (waitpid(delivery_child_, nullptr, WNOHANG) == 0) return;  // still sending
        delivery_child_ = 0;
    }
    pid_t pid = fork();
    if (pid < 0) {
        log_line(std::string("cannot fork to deliver mail: ") + std::strerror(errno) + "; delivering in process");
        outbox.deliver_due(*mailer_);
        return;
    }
    if (pid > 0) {
        delivery_child_ = pid;
        return;
    }
    // The child: never touch the parent's SQLite connection; _exit skips
    // every destructor that would.
    // Let go of the FastCGI listening socket (fd 0) at once: holding it, the
    // child would keep accepting connections into its backlog after the
    // parent died (a crash, a SIGKILL), and those requests would hang until
    // the child exits, then fail with 500 (seen in tests/integration/test_load.py).
    int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (devnull >= 0) {
        dup2(devnull, STDIN_FILENO);
        close(devnull);
    } else {
        close(STDIN_FILENO);
    }
    // Wait a moment first, so that the SMTP work (and the mail server's)
    // does not compete with the answer to the visitor's next request.
    usleep(1000 * 1000);
    int code = 0;
    try {
        Db own(config_.database_path);
        Outbox box(own, *clock_, config_.secret_key);
        box.deliver_due(*mailer_, 20);
    } catch (const std::exception& e) {
        log_line(std::string("outbox delivery failed: ") + e.what());
        code = 1;
    }
    std::fflush(stderr);
    _exit(code);
}

void App::after_response(bool deliver_mail) {
    if (delivery_child_ > 0 && waitpid(delivery_child_, nullptr, WNOHANG) != 0) delivery_child_ = 0;
    try {
        if (deliver_mail || outbox.has_due()) {
            if (deliver_in_child_)
                deliver_forked();
            else
                outbox.deliver_due(*mailer_);
        }
    } catch (const std::exception& e) {
        log_line(std::string("outbox delivery failed: ") + e.what());
    }
    try {
        if (randombytes_uniform(100) == 0) housekeeping();
    } catch (const std::exception& e) {
        log_line(std::string("housekeeping failed: ") + e.what());
    }
}

void App::housekeeping() {
    sessions.purge_expired();
    reset_tokens.purge_old();
    email_changes.purge_old();
    pictures.purge_orphans();
    db.query("DELETE FROM reset_requests WHERE at <= ?").bind(1, clock_->now() - 24 * 3600).exec();
    auto q = db.query("DELETE FROM login_failures WHERE at <= ?");
    q.bind(1, clock_->now() - LoginThrottle::kWindow).exec();
}

}  // namespace auth
