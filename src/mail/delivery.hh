// One delivery run: what sessionauth-deliver does each time it is started
// (after a response that queued mail, or from cron). Only one run works
// the queue at a time (OutboxStore::try_lock); a run started while another
// works ends at once, and the working one sees the new mail, since it looks
// again before it lets go of the lock and once more after.
#pragma once
#include <cstdint>
#include <functional>

namespace auth {

class Clock;
class Mailer;
class Outbox;
class OutboxStore;

struct DeliveryRun {
    // How long to stay for retries due soon (a server that was down for a
    // moment); mail queued meanwhile goes within about a second.
    std::int64_t linger_seconds = 60;
    // No new message is claimed after this long (mail that keeps coming is
    // left to the next run, well before sessionauth-deliver's own limit).
    std::int64_t claim_for_seconds = 600;
    // Waits about a second; a test passes one that moves its clock.
    std::function<void()> pause;
};

// Sends what is due; returns how many messages were sent (0 also when
// another run holds the lock).
int run_delivery(Outbox& outbox, OutboxStore& store, Mailer& mailer, const Clock& clock, const DeliveryRun& run);

}  // namespace auth
