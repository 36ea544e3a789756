#include "account/throttle.hh"

#include <algorithm>

#include "core/clock.hh"
#include "core/net_address.hh"
#include "store/store.hh"

namespace auth {

std::optional<std::int64_t> LoginThrottle::retry_after(std::string_view email, std::string_view client_ip) {
    std::int64_t now = clock_.now();
    std::int64_t since = now - kWindow;
    // The limit-th most recent failure inside the window decides.
    std::optional<std::int64_t> wait;
    if (auto at = store_.nth_failure_for_email(email, since, kPerEmail)) wait = *at + kWindow - now;
    if (auto at = store_.nth_failure_from(address_for_limits(client_ip), since, kPerAddress)) wait = std::max(wait.value_or(0), *at + kWindow - now);
    if (wait) wait = std::max<std::int64_t>(1, *wait);
    return wait;
}

LoginThrottle::Reservation LoginThrottle::reserve(std::string_view email, std::string_view client_ip) {
    Reservation r;
    r.retry_after = retry_after(email, client_ip);
    if (!r.retry_after) r.id = store_.record(email, address_for_limits(client_ip), clock_.now());
    return r;
}

void LoginThrottle::succeeded(std::int64_t reservation, std::string_view email) {
    store_.clear_up_to(email, reservation);
}

void LoginThrottle::take_back(std::int64_t reservation) { store_.take_back(reservation); }

void LoginThrottle::clear(std::string_view email) { store_.clear(email); }

void LoginThrottle::purge_old() { store_.purge_before(clock_.now() - kWindow); }

}  // namespace auth
