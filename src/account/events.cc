#include "account/events.hh"

#include "core/clock.hh"
#include "core/crypto.hh"
#include "core/log.hh"
#include "core/user_agent.hh"

namespace auth {

// A request id guards nothing (it names a request in the log and on a 500
// page): it comes from a NonceStream made once per process (one a thread),
// not from a getrandom() system call per request.
std::string new_request_id() {
    thread_local NonceStream ids;
    return ids.token(6);
}

const char* outcome_name(Outcome outcome) {
    switch (outcome) {
        case Outcome::Ok: return "ok";
        case Outcome::Failed: return "failed";
        case Outcome::Refused: return "refused";
        case Outcome::Throttled: return "throttled";
    }
    return "failed";
}

std::string event_line(const Event& e) {
    return "event " + log_field("name", e.name) + " " + log_field("outcome", e.outcome) + " " +
           log_field("request", e.request_id) + " " +
           log_field("user", e.user_id ? std::to_string(*e.user_id) : std::string()) + " " +
           log_field("ip", e.client_ip) + " " + log_field("browser", e.browser) + " " + log_field("actor", e.actor) +
           " " + log_field("detail", e.detail);
}

Event EventLog::record(const Client& client, std::string_view name, Outcome outcome,
                       std::optional<std::int64_t> user_id, std::string_view detail, std::string_view actor) {
    Event e;
    e.at = clock_.now();
    e.request_id = client.request_id;
    e.name = name;
    e.outcome = outcome_name(outcome);
    e.user_id = user_id;
    e.client_ip = client.ip;
    e.browser = browser_family(client.user_agent);
    e.actor = actor;
    e.detail = detail;
    return record(std::move(e));
}

Event EventLog::record(Event e) {
    if (e.at == 0) e.at = clock_.now();
    // Bounded, whatever a caller passes: a client address is at most 45
    // bytes (IPv6 with a zone would be more, and is cut).
    if (e.client_ip.size() > 64) e.client_ip.resize(64);
    if (e.actor.size() > 128) e.actor.resize(128);
    if (e.detail.size() > 256) e.detail.resize(256);
    log_fields_line(event_line(e));
    e.id = store_.record(e);
    return e;
}

std::int64_t EventLog::purge_older_than(std::int64_t days) {
    return store_.purge_before(clock_.now() - days * 86400);
}

}  // namespace auth
