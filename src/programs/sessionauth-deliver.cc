// Sends the mail the pages queued: started by a page after its response
// (MAIL_DELIVERY=after-response, the default) or by cron every minute
// (MAIL_DELIVERY=cron). The only program that links libesmtp and OpenSSL.
//
//   sessionauth-deliver          reads the env file named by AUTH_ENV
//
// One run at a time works the queue; a second one ends at once. Killed at
// any moment, it loses nothing: each message's attempt is recorded before
// it is sent, and the next run sends what is left.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <exception>
#include <thread>

#include "core/clock.hh"
#include "core/config.hh"
#include "core/crypto.hh"
#include "core/log.hh"
#include "mail/delivery.hh"
#include "mail/outbox.hh"
#include "smtp/smtp_mailer.hh"
#include "web/open_store.hh"

namespace {

// However a server stalls, a run ends within this; what it was sending
// waits out its backoff and goes with the next run.
constexpr int kRunLimitSeconds = 15 * 60;

}  // namespace

int main(int argc, char**) {
    auth::set_program_name("sessionauth-deliver");
    if (argc != 1) {
        std::fprintf(stderr, "usage: sessionauth-deliver   (reads the env file named by AUTH_ENV)\n");
        return 2;
    }
    std::signal(SIGPIPE, SIG_IGN);
    std::thread([] {
        std::this_thread::sleep_for(std::chrono::seconds(kRunLimitSeconds));
        auth::log_line("mail: the delivery run took longer than " + std::to_string(kRunLimitSeconds) + " s; ended");
        std::_Exit(3);
    }).detach();
    try {
        auth::crypto_init();
        auth::Config config = auth::load_config_from_process();
        auth::SystemClock clock;
        std::unique_ptr<auth::Store> store = auth::open_store(config, clock);
        auth::Outbox outbox(store->outbox(), clock, config.secret_key, config.mail_max_per_hour);
        // Another run is at work (pages may start several): end before the
        // TLS set-up, which costs more than all of this.
        if (outbox.run_in_progress()) return 0;
        auth::SmtpMailer mailer(config);
        auth::DeliveryRun run;
        run.pause = [] { std::this_thread::sleep_for(std::chrono::seconds(1)); };
        auth::run_delivery(outbox, store->outbox(), mailer, clock, run);
        return 0;
    } catch (const std::exception& e) {
        auth::log_line(std::string("mail delivery failed: ") + e.what());
        return 1;
    }
}
