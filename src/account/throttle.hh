// Login throttling over the ThrottleStore, so every process (and every CGI
// run) sees it: after 5 failed attempts for one email, or 20 from one client
// address, within 15 minutes, further attempts wait until the window has
// passed. The email is counted whether or not it has an account; an IPv6
// client by its /64 (address_for_limits). A wrong
// current password on the profile counts like a failed login.
//
// An attempt is reserved as a failure in the same write transaction that
// checks the limit, before the password is verified, and taken back when
// the password was right: so however many attempts arrive at once, at most
// the limit of them verifies a password.
#pragma once
#include <cstdint>
#include <optional>
#include <string_view>

namespace auth {

class Clock;
class ThrottleStore;

class LoginThrottle {
public:
    static constexpr std::int64_t kWindow = 15 * 60;
    static constexpr std::int64_t kPerEmail = 5;
    static constexpr std::int64_t kPerAddress = 20;

    LoginThrottle(ThrottleStore& store, const Clock& clock) : store_(store), clock_(clock) {}

    // Seconds to wait before the next attempt, or nullopt if one may be made.
    std::optional<std::int64_t> retry_after(std::string_view email, std::string_view client_ip);

    struct Reservation {
        std::optional<std::int64_t> retry_after;  // set: no attempt may be made now
        std::int64_t id = 0;                      // else: the failure recorded for it
    };
    // Inside a write transaction: the wait, or a failure recorded for this attempt.
    Reservation reserve(std::string_view email, std::string_view client_ip);
    // The login succeeded: its failure goes, with every failure for the email
    // recorded before it (not those of attempts still being checked).
    void succeeded(std::int64_t reservation, std::string_view email);
    // The password was right (typed again on the profile): only its own
    // failure goes.
    void take_back(std::int64_t reservation);
    // After a password reset: the email starts afresh.
    void clear(std::string_view email);
    // Deletes failures older than the window.
    void purge_old();

private:
    ThrottleStore& store_;
    const Clock& clock_;
};

}  // namespace auth
