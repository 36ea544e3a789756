#include "store/postgres/stores.hh"

namespace auth {

void PgLinkFailures::record(std::string_view client_ip, std::int64_t now) {
    db_.query("INSERT INTO link_failures (client_ip, at) VALUES (?, ?)").bind(1, client_ip.substr(0, 64)).bind(2, now).exec();
}

std::optional<std::int64_t> PgLinkFailures::nth_failure_from(std::string_view client_ip, std::int64_t since,
                                                                 std::int64_t n) {
    auto q = db_.query("SELECT at FROM link_failures WHERE client_ip = ? AND at > ? ORDER BY at DESC LIMIT 1 OFFSET ?");
    q.bind(1, client_ip.substr(0, 64)).bind(2, since).bind(3, n - 1);
    if (!q.step()) return std::nullopt;
    return q.int64(0);
}

void PgLinkFailures::purge_before(std::int64_t t) {
    db_.query("DELETE FROM link_failures WHERE at <= ?").bind(1, t).exec();
}

}  // namespace auth
