#include "store/throttle.hh"

#include <algorithm>

#include "core/clock.hh"
#include "store/db.hh"
#include "core/validate.hh"

namespace auth {

std::optional<std::int64_t> LoginThrottle::wait_for(const char* sql, std::string_view key, std::int64_t limit,
                                                    std::int64_t now) {
    // The limit-th most recent failure inside the window decides.
    auto q = db_.query(sql);
    q.bind(1, key).bind(2, now - kWindow).bind(3, limit - 1);
    if (!q.step()) return std::nullopt;
    return std::max<std::int64_t>(1, q.int64(0) + kWindow - now);
}

std::optional<std::int64_t> LoginThrottle::retry_after(std::string_view email, std::string_view client_ip) {
    std::int64_t now = clock_.now();
    auto by_email = wait_for("SELECT at FROM login_failures WHERE email = ? AND at > ? ORDER BY at DESC LIMIT 1 OFFSET ?",
                             ascii_lower(email), kPerEmail, now);
    auto by_ip = wait_for("SELECT at FROM login_failures WHERE client_ip = ? AND at > ? ORDER BY at DESC LIMIT 1 OFFSET ?",
                          client_ip, kPerAddress, now);
    if (by_email && by_ip) return std::max(*by_email, *by_ip);
    return by_email ? by_email : by_ip;
}

void LoginThrottle::record_failure(std::string_view email, std::string_view client_ip) {
    std::int64_t now = clock_.now();
    Transaction tx(db_);
    db_.query("DELETE FROM login_failures WHERE at <= ?").bind(1, now - kWindow).exec();
    auto q = db_.query("INSERT INTO login_failures (email, client_ip, at) VALUES (?, ?, ?)");
    q.bind(1, ascii_lower(email)).bind(2, client_ip).bind(3, now).exec();
    tx.commit();
}

void LoginThrottle::clear(std::string_view email) {
    db_.query("DELETE FROM login_failures WHERE email = ?").bind(1, ascii_lower(email)).exec();
}

}  // namespace auth
