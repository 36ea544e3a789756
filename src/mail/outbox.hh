// Mail that must not be lost: written to the database inside the request
// (in the same transaction as what it reports), sent after the response is
// finished. A failed delivery stays with its error and is retried with
// backoff after later requests; it is dropped only once it has expired (its
// link would no longer work). Messages are stored encrypted with a key
// derived from SECRET_KEY, since they carry reset links; a sent message is
// deleted. Several processes may deliver at once: each claims a row first.
// The rows live in an OutboxStore; this class seals, opens and sends them.
#pragma once
#include <cstdint>
#include <string>

namespace auth {

class Clock;
class Mailer;
class OutboxStore;

class Outbox {
public:
    Outbox(OutboxStore& store, const Clock& clock, const std::string& secret_key);

    void enqueue(const std::string& from, const std::string& to, const std::string& rfc5322, std::int64_t expires_at);

    // Sends up to `max` due messages; returns how many were sent. Each
    // failure is one log line (recipient row id and the error, no content).
    int deliver_due(Mailer& mailer, int max = 5);

    // True when a message is waiting and due: a cheap check per request.
    bool has_due();

    // Seconds to wait after the n-th failed attempt (n >= 1).
    static std::int64_t backoff(std::int64_t attempts);

private:
    std::string open(const std::string& nonce, const std::string& sealed) const;

    OutboxStore& store_;
    const Clock& clock_;
    std::string key_;
};

}  // namespace auth
