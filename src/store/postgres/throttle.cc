#include "core/validate.hh"
#include "store/postgres/stores.hh"

namespace auth {

// The reservation (account/throttle.cc) counts, then records one more, in
// one write transaction. Two nodes could both count below the limit and both
// record: the count first takes a lock on its key, held to the commit, so
// reservations for one address (or from one client) take turns.
std::optional<std::int64_t> PgThrottle::nth_failure_for_email(std::string_view email, std::int64_t since, std::int64_t n) {
    std::string key = ascii_lower(email);
    db_.lock_key("login_failures email " + key);
    auto q = db_.query("SELECT at FROM login_failures WHERE email = ? AND at > ? ORDER BY at DESC LIMIT 1 OFFSET ?");
    q.bind(1, key).bind(2, since).bind(3, n - 1);
    if (!q.step()) return std::nullopt;
    return q.int64(0);
}

std::optional<std::int64_t> PgThrottle::nth_failure_from(std::string_view client_ip, std::int64_t since, std::int64_t n) {
    db_.lock_key("login_failures client " + std::string(client_ip));
    auto q = db_.query("SELECT at FROM login_failures WHERE client_ip = ? AND at > ? ORDER BY at DESC LIMIT 1 OFFSET ?");
    q.bind(1, client_ip).bind(2, since).bind(3, n - 1);
    if (!q.step()) return std::nullopt;
    return q.int64(0);
}

std::int64_t PgThrottle::record(std::string_view email, std::string_view client_ip, std::int64_t now) {
    auto q = db_.query("INSERT INTO login_failures (email, client_ip, at) VALUES (?, ?, ?) RETURNING id");
    q.bind(1, ascii_lower(email)).bind(2, client_ip).bind(3, now);
    q.step();
    return q.int64(0);
}

void PgThrottle::take_back(std::int64_t id) { db_.query("DELETE FROM login_failures WHERE id = ?").bind(1, id).exec(); }

void PgThrottle::clear(std::string_view email) {
    db_.query("DELETE FROM login_failures WHERE email = ?").bind(1, ascii_lower(email)).exec();
}

void PgThrottle::clear_up_to(std::string_view email, std::int64_t id) {
    db_.query("DELETE FROM login_failures WHERE email = ? AND id <= ?").bind(1, ascii_lower(email)).bind(2, id).exec();
}

void PgThrottle::purge_before(std::int64_t t) { db_.query("DELETE FROM login_failures WHERE at <= ?").bind(1, t).exec(); }

}  // namespace auth
