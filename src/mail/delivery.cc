#include "mail/delivery.hh"

#include "core/clock.hh"
#include "mail/outbox.hh"
#include "store/store.hh"

namespace auth {

int run_delivery(Outbox& outbox, OutboxStore& store, Mailer& mailer, const Clock& clock, const DeliveryRun& run) {
    int sent = 0;
    const std::int64_t started = clock.now();
    const std::int64_t deadline = started + run.linger_seconds;
    auto over = [&] { return clock.now() >= started + run.claim_for_seconds; };
    for (;;) {
        auto lock = store.try_lock();
        if (!lock) return sent;  // another run is at work and will see what is due
        // Holding the lock, no other run is sending: a claim still standing
        // was left by a run that died. Its message waits out its backoff.
        store.release_claims();
        for (;;) {
            sent += outbox.deliver_due(mailer);
            if (over()) return sent;
            if (outbox.has_due()) continue;  // queued while we were sending
            auto next = store.next_attempt_at();
            if (!next || *next > deadline || clock.now() >= deadline) break;
            run.pause();  // a retry is due soon: wait for it, and look for new mail meanwhile
        }
        lock.reset();
        // A page that queued mail just before we let go found the lock held
        // and left its mail to us: look once more.
        if (over() || !outbox.has_due()) return sent;
    }
}

}  // namespace auth
