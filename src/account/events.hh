// The security event log: the one helper every event goes through, from
// the account service (where each rule lives), the web layer (a refused
// CSRF token) and the administrators' tools. An event is a row in the
// `events` table (EventStore) and one line in the error log:
//
//   2026-12-07T04:00:00Z auth-login: event name="login" outcome="failed"
//     request="Xy3_ab9Q" user="42" ip="203.0.113.9" browser="Firefox"
//     actor="" detail=""
//
// (one line; wrapped here). Every value is escaped (control characters,
// backslash and double quote as \xNN), so one event is always one line.
//
// What an event holds: the UTC time, the request id (the web layer makes
// one per request, new_request_id(); it is in the request's other log lines
// and on its 500 page), the name and outcome below, the account id (none
// when the address typed has no account: the address itself is never
// kept, people type passwords into the wrong field), the client address,
// the browser family (a word from a fixed list, never the header), who
// acted when it was not the person (`actor`: an administrator's name), and
// a short detail (never a secret, a token or a typed address).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/store.hh"

namespace auth {

class Clock;

// Who is asking, as the log, the event log and the notices tell it.
struct Client {
    std::string ip;
    std::string user_agent;
    std::string request_id;  // new_request_id(), made once per request (or per command)
};

// A new request id: 8 random URL-safe characters.
std::string new_request_id();

// How an event ended.
enum class Outcome { Ok, Failed, Refused, Throttled };
// "ok", "failed", "refused", "throttled": as the table and the log keep it.
const char* outcome_name(Outcome outcome);

// Event names. A dot separates the thing from what happened to it.
namespace events {
inline constexpr const char* kSignup = "signup";                    // a registration asked for (or made, without confirmation)
inline constexpr const char* kSignupConfirmed = "signup.confirmed"; // its link opened: the account exists
inline constexpr const char* kSignupResent = "signup.resent";       // the link asked for again
inline constexpr const char* kLogin = "login";                      // ok, failed, throttled (detail: "code" for the code step, "passkey")
inline constexpr const char* kLogout = "logout";
inline constexpr const char* kPasswordChanged = "password.changed";
inline constexpr const char* kResetRequested = "password.reset_requested";
inline constexpr const char* kPasswordReset = "password.reset";
inline constexpr const char* kReauth = "reauth";                    // the password (or code) typed again: failed, throttled
inline constexpr const char* kEmailChangeRequested = "email.change_requested";
inline constexpr const char* kEmailChanged = "email.changed";
inline constexpr const char* kTwoFactorSetup = "two_factor.setup";     // a set-up started (password right)
inline constexpr const char* kTwoFactorOn = "two_factor.on";
inline constexpr const char* kTwoFactorOff = "two_factor.off";
inline constexpr const char* kRecoveryCodes = "two_factor.recovery_codes";  // new recovery codes made
inline constexpr const char* kSessionEnded = "session.ended";       // detail: "one" or "others"
inline constexpr const char* kPasskeyAdded = "passkey.added";
inline constexpr const char* kPasskeyRenamed = "passkey.renamed";
inline constexpr const char* kPasskeyRemoved = "passkey.removed";
inline constexpr const char* kCsrfRefused = "csrf.refused";
inline constexpr const char* kBadLink = "link.bad";                 // detail: kind and state ("reset expired")
inline constexpr const char* kPictureChanged = "picture.changed";   // detail: "new" or "removed"
inline constexpr const char* kAccountDeleted = "account.deleted";   // kept with the account id only
inline constexpr const char* kDataExported = "data.exported";
inline constexpr const char* kAccountLocked = "account.locked";      // by an administrator (actor)
inline constexpr const char* kAccountUnlocked = "account.unlocked";  // by an administrator (actor)
inline constexpr const char* kMailRetried = "mail.retried";          // failed mail due again (detail: how many)
}  // namespace events

// The error log's line for an event (without the time and program name,
// which log_fields_line adds): `event name="…" outcome="…" request="…"
// user="…" ip="…" browser="…" actor="…" detail="…"`, every value escaped.
std::string event_line(const Event& event);

class EventLog {
public:
    EventLog(EventStore& store, const Clock& clock) : store_(store), clock_(clock) {}

    // Records one event: a row in the table and a line in the error log.
    // `user_id`: the account, nullopt when there is none. `actor`: who
    // acted when it was not the person (an administrator's name, "" else).
    // Returns the event as kept. Throws StoreError when the row cannot be
    // written (the line is written first, so the log has it anyway).
    Event record(const Client& client, std::string_view name, Outcome outcome, std::optional<std::int64_t> user_id,
                 std::string_view detail = {}, std::string_view actor = {});
    // Records an event as it is given (time, request id and all filled in
    // by the caller), with its log line: for an event that must carry less
    // than a Client holds (the deletion of an account keeps only its id).
    Event record(Event event);

    // The account's most recent events, newest first (its activity page).
    std::vector<Event> for_user(std::int64_t user_id, std::int64_t limit = 50) {
        return store_.for_user(user_id, limit);
    }
    std::vector<Event> query(const EventFilter& filter) { return store_.query(filter); }
    // Deletes events older than `days` days (EVENT_RETENTION_DAYS); returns how many.
    std::int64_t purge_older_than(std::int64_t days);

private:
    EventStore& store_;
    const Clock& clock_;
};

}  // namespace auth
