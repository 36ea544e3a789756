#include "mail/outbox.hh"

#include <algorithm>

#include "core/clock.hh"
#include "core/crypto.hh"
#include "core/log.hh"
#include "core/validate.hh"
#include "mail/mailer.hh"
#include "store/store.hh"

namespace auth {

namespace {

// A claim outlives any one send (the SMTP session limit is about a
// minute); it only matters should two runs ever work at once.
constexpr std::int64_t kClaimSeconds = 600;

std::string counted_address(const std::string& to) {
    auto normal = normalize_email(to);
    return ascii_lower(normal ? *normal : to);
}

}  // namespace

Outbox::Outbox(OutboxStore& store, const Clock& clock, const std::string& secret_key, int max_per_hour)
    : store_(store), clock_(clock), key_(mac(secret_key, "sessionauth outbox key v1")), max_per_hour_(max_per_hour) {}

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

// The share of an address, counted two ways. A link (or a request for one
// that sent none) is refused when the address has had its share of links
// or of mails: requests alone never use up what notices need, so nobody
// can silence an account's notices by asking for reset links to its
// address. A notice is dropped only when the address has had its share of
// mails actually queued.
bool Outbox::within_share(const std::string& to, MailKind kind) {
    OutboxStore::Counts c = store_.counted_since(counted_address(to), clock_.now() - 3600);
    return c.queued < max_per_hour_ && (kind != MailKind::Link || c.links < max_per_hour_);
}

bool Outbox::counts(const std::string& to, MailKind kind, bool queued) {
    if (!within_share(to, kind)) return false;
    store_.count(counted_address(to), clock_.now(), kind == MailKind::Link, queued);
    return true;
}

bool Outbox::take_share(const std::string& to) { return counts(to, MailKind::Link, false); }

bool Outbox::enqueue(MailKind kind, const std::string& from, const std::string& to, const std::string& rfc5322,
                     std::int64_t expires_at) {
    if (!counts(to, kind, true)) {
        if (kind == MailKind::Notice)
            log_line("outbox: a notice was dropped: its address has had " + std::to_string(max_per_hour_) +
                     " mails in the last hour (MAIL_MAX_PER_HOUR)");
        return false;
    }
    std::string nonce;
    std::string sealed = secretbox_seal(key_, rfc5322, nonce);
    store_.add(from, to, nonce, sealed, kind == MailKind::Link ? 0 : 1, clock_.now(), expires_at);
    queued_ = true;
    return true;
}

bool Outbox::has_due() { return store_.has_due(clock_.now()); }

bool Outbox::run_in_progress() { return store_.try_lock() == nullptr; }

int Outbox::deliver_due(Mailer& mailer, int max) {
    for (const QueuedMail& m : store_.drop_expired(clock_.now()))
        log_line("outbox: message " + std::to_string(m.id) + " dropped unsent after " + std::to_string(m.attempts) +
                 " attempts; its link has expired (last error: " + m.last_error + ")");
    int sent = 0;
    while (sent < max) {
        // One at a time, so that a link queued meanwhile goes next.
        std::int64_t now = clock_.now();
        auto row = store_.claim_next(now, now + kClaimSeconds, &Outbox::backoff);
        if (!row) break;
        const std::string id = std::to_string(row->id);
        try {
            mailer.send(row->sender, row->recipient, open(row->nonce, row->sealed));
            store_.delivered(row->id);
            ++sent;
        } catch (const MailError& e) {
            if (e.permanent()) {
                log_line("outbox: message " + id + " dropped: refused for good: " + e.what());
                store_.discard(row->id);
            } else {
                log_line("outbox: message " + id + " not delivered (attempt " + std::to_string(row->attempts) +
                         ", next in " + std::to_string(backoff(row->attempts)) + " s): " + e.what());
                store_.failed(row->id, e.what());
            }
            if (e.scope() == MailError::Scope::Server) {
                // The server is down or refuses the session: the others
                // wait as long, without an attempt counted.
                std::int64_t after = clock_.now();  // the send may have taken a while
                store_.postpone_due(after, after + backoff(row->attempts), std::string("not tried: ") + e.what());
                return sent;
            }
        } catch (const std::exception& e) {
            log_line("outbox: message " + id + " not delivered: " + e.what());
            store_.failed(row->id, e.what());
        }
    }
    return sent;
}

}  // namespace auth
