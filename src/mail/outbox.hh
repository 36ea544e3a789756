// Mail that must not be lost: written to the database inside the request
// (in the same transaction as what it reports), sent by a delivery run
// (sessionauth-deliver) after the response or from cron. A failed delivery
// stays with its error and is retried with backoff; it is dropped only once
// it has expired (its link would no longer work) or the server refused it
// for good. Messages are stored encrypted with a key derived from
// SECRET_KEY, since they carry reset links; a sent message is deleted. The
// rows live in an OutboxStore; this class seals, opens and sends them.
//
// Fairness: links (reset, confirmation) go before notices, recipients take
// turns, and no address gets more than MAIL_MAX_PER_HOUR mails: past that a
// notice is dropped (with a log line) and a link refused to whoever asked.
#pragma once
#include <cstdint>
#include <string>
#include <utility>

namespace auth {

class Clock;
class Mailer;
class OutboxStore;

enum class MailKind {
    Link,    // carries a link someone is waiting for: goes first
    Notice,  // tells of something that happened: may wait, may be dropped
};

class Outbox {
public:
    Outbox(OutboxStore& store, const Clock& clock, const std::string& secret_key, int max_per_hour = 10);

    // Counts one mail toward `to`'s hourly share and queues it (call inside
    // the write transaction of what it reports). False, with nothing queued,
    // when the address has had its share: the caller refuses a link; a
    // notice is dropped here with a log line.
    bool enqueue(MailKind kind, const std::string& from, const std::string& to, const std::string& rfc5322,
                 std::int64_t expires_at);
    // Counts a request for a link toward `to`'s share of links, without a
    // mail: for a request that must look the same whether or not a mail
    // goes (a reset for an address without an account). False past the share.
    bool take_share(const std::string& to);
    // Whether enqueue(kind, ..., to, ...) or take_share(to) would count one
    // more now (nothing counted). Inside a write transaction the answer
    // holds until it ends.
    bool within_share(const std::string& to, MailKind kind);

    // Sends what is due, in turn, up to `max` messages; returns how many
    // were sent. Stops at the first failure that concerns the server (the
    // rest would fail too); a message the server refused does not stop the
    // others. Each failure is one log line (row id and error, no content).
    // The caller holds the delivery lock (see delivery.hh).
    int deliver_due(Mailer& mailer, int max = 1000);

    // True when a message is waiting and due.
    bool has_due();

    // Whether enqueue() queued anything since the last call (the starter
    // asks after each response, so that a page need not say it queued mail).
    bool take_queued() { return std::exchange(queued_, false); }

    // Seconds to wait after the n-th attempt (n >= 1).
    static std::int64_t backoff(std::int64_t attempts);

    // Whether a delivery run holds the lock right now.
    bool run_in_progress();

private:
    std::string open(const std::string& nonce, const std::string& sealed) const;
    bool counts(const std::string& to, MailKind kind, bool queued);

    OutboxStore& store_;
    const Clock& clock_;
    std::string key_;
    int max_per_hour_;
    bool queued_ = false;
};

}  // namespace auth
