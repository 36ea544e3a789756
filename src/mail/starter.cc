#include "mail/starter.hh"

#include <signal.h>
#include <spawn.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <random>

#include "core/config.hh"
#include "core/log.hh"
#include "mail/outbox.hh"

extern char** environ;

namespace auth {

namespace {

constexpr std::int64_t kLookEverySeconds = 30;

std::int64_t steady_seconds() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

#ifndef SESSIONAUTH_PAGESDIR
#define SESSIONAUTH_PAGESDIR "/usr/local/libexec/sessionauth"
#endif

// sessionauth-deliver beside the running program (the page programs and it
// are installed in $libexecdir/sessionauth, all sit in build/ in a checkout
// and in private/bin/ or the cgi folder of a staged site), else where
// `make install` put it: sessionauth-admin is installed in $sbindir.
std::string beside_this_program() {
    std::error_code ec;
    auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
    std::string beside = ec ? "sessionauth-deliver" : (self.parent_path() / "sessionauth-deliver").string();
    std::string installed = std::string(SESSIONAUTH_PAGESDIR) + "/sessionauth-deliver";
    if (access(beside.c_str(), X_OK) != 0 && access(installed.c_str(), X_OK) == 0) return installed;
    return beside;
}

// Variables of our own environment the run needs as well: where the
// configuration is, and how TLS finds its certificate authorities. Never a
// request's variables (under CGI our environment is the request's).
bool passed_on(const std::string& name) {
    static const char* const kAlso[] = {"PATH", "SSL_CERT_FILE", "SSL_CERT_DIR", "SESSIONAUTH_DATADIR",
                                        "SESSIONAUTH_STATEDIR", "TZ"};
    for (const char* n : kAlso)
        if (name == n) return true;
    return is_config_key(name);
}

}  // namespace

DeliveryStarter::DeliveryStarter(const Config& config, Outbox& outbox)
    : outbox_(outbox),
      enabled_(config.mail_delivery == MailDelivery::AfterResponse),
      program_(config.mail_deliver_program.empty() ? beside_this_program() : config.mail_deliver_program),
      env_file_(config.env_file) {
    // A process lives for one CGI request, or for many under FastCGI: the
    // first look for due retries comes at a random moment of the first 30
    // seconds, so that plain CGI looks at about one request in 30 (on
    // average, every request's process is new) rather than at each.
    next_look_ = steady_seconds() + static_cast<std::int64_t>(std::random_device{}() % kLookEverySeconds);
    if (enabled_ && access(program_.c_str(), X_OK) != 0)
        log_line("mail: " + program_ + " cannot be run (" + std::strerror(errno) +
                 "): queued mail will wait; install it beside the page programs or set MAIL_DELIVER_PROGRAM");
}

void DeliveryStarter::after_response(bool queued) {
    // Runs that have ended: reap them (a FastCGI process lives on).
    for (auto it = children_.begin(); it != children_.end();)
        it = waitpid(*it, nullptr, WNOHANG) != 0 ? children_.erase(it) : it + 1;
    if (outbox_.take_queued()) queued = true;
    if (!enabled_) return;
    std::int64_t now = steady_seconds();
    if (!queued) {
        if (now < next_look_) return;
        next_look_ = now + kLookEverySeconds;
        if (!outbox_.has_due()) return;
    }
    next_look_ = now + kLookEverySeconds;
    // A run at work looks again before it stops: no second process. (If
    // the lock cannot even be opened, the run will say why.)
    bool busy = false;
    try {
        busy = outbox_.run_in_progress();
    } catch (const std::exception&) {
    }
    if (!busy) start();
}

const std::vector<std::string>& DeliveryStarter::environment() const {
    if (env_made_) return env_;
    env_made_ = true;
    if (!env_file_.empty()) env_.push_back("AUTH_ENV=" + env_file_);
    bool has_path = false;
    for (char** p = environ; p && *p; ++p) {
        const char* eq = std::strchr(*p, '=');
        if (!eq) continue;
        std::string name(*p, static_cast<std::size_t>(eq - *p));
        if (name == "AUTH_ENV" || !passed_on(name)) continue;
        has_path = has_path || name == "PATH";
        env_.emplace_back(*p);
    }
    if (!has_path) env_.emplace_back("PATH=/usr/local/bin:/usr/bin:/bin");
    return env_;
}

void DeliveryStarter::start() {
    posix_spawnattr_t attr;
    posix_spawn_file_actions_t files;
    posix_spawnattr_init(&attr);
    posix_spawn_file_actions_init(&files);
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &all);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    posix_spawn_file_actions_addopen(&files, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&files, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addclosefrom_np(&files, STDERR_FILENO + 1);
    posix_spawn_file_actions_addchdir_np(&files, "/");  // not the CGI's folder in the document root

    std::vector<char*> argv{program_.data(), nullptr};
    std::vector<char*> envp;
    for (const std::string& e : environment()) envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
    pid_t pid = 0;
    int error = posix_spawn(&pid, program_.c_str(), &files, &attr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&files);
    posix_spawnattr_destroy(&attr);
    if (error != 0) {
        log_line("mail: cannot start " + program_ + ": " + std::strerror(error) + "; the mail stays queued");
        return;
    }
    children_.push_back(pid);
}

}  // namespace auth
