#include "mail/outbox.hh"

#include <algorithm>

#include "core/clock.hh"
#include "core/crypto.hh"
#include "core/log.hh"
#include "mail/mailer.hh"
#include "store/store.hh"

namespace auth {

namespace {
constexpr std::int64_t kClaimSeconds = 120;
}

Outbox::Outbox(OutboxStore& store, const Clock& clock, const std::string& secret_key)
    : store_(store), clock_(clock), key_(mac(secret_key, "sessionauth outbox key v1")) {}

std::string Outbox::open(const std::string& nonce, const std::string& sealed) const {
    auto plain = secretbox_open(key_, nonce, sealed);
    if (!plain) throw CryptoError("outbox message cannot be opened (was SECRET_KEY changed?)");
    return *plain;
}

std::int64_t Outbox::backoff(std::int64_t attempts) {
    std::int64_t wait = 5;
    for (std::int64_t i = 1; i < attempts && wait < 600; ++i) wait *= 2;
    return std::min<std::int64_t>(wait, 600);
}

void Outbox::enqueue(const std::string& from, const std::string& to, const std::string& rfc5322, std::int64_t expires_at) {
    std::string nonce;
    std::string sealed = secretbox_seal(key_, rfc5322, nonce);
    store_.add(from, to, nonce, sealed, clock_.now(), expires_at);
}

bool Outbox::has_due() { return store_.has_due(clock_.now()); }

int Outbox::deliver_due(Mailer& mailer, int max) {
    std::int64_t now = clock_.now();
    for (const QueuedMail& m : store_.drop_expired(now))
        log_line("outbox: message " + std::to_string(m.id) + " dropped unsent after " + std::to_string(m.attempts) +
                 " attempts; its link has expired (last error: " + m.last_error + ")");
    int sent = 0;
    for (int i = 0; i < max; ++i) {
        auto row = store_.claim_next(now, kClaimSeconds);
        if (!row) break;
        try {
            mailer.send(row->sender, row->recipient, open(row->nonce, row->sealed));
            store_.delivered(row->id);
            ++sent;
        } catch (const std::exception& e) {
            std::int64_t attempts = row->attempts + 1;
            std::int64_t later = clock_.now() + backoff(attempts);
            log_line("outbox: message " + std::to_string(row->id) + " not delivered (attempt " + std::to_string(attempts) +
                     ", next in " + std::to_string(later - clock_.now()) + " s): " + e.what());
            store_.failed(row->id, attempts, later, e.what());
            break;  // the server is likely down: leave the rest for later
        }
    }
    return sent;
}

}  // namespace auth
