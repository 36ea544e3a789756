#include "core/validate.hh"
#include "store/sqlite/stores.hh"

namespace auth {

void SqliteResetRequests::record(std::string_view email, std::string_view client_ip, std::int64_t now) {
    auto q = db_.query("INSERT INTO reset_requests (email, client_ip, at) VALUES (?, ?, ?)");
    q.bind(1, ascii_lower(email)).bind(2, client_ip.substr(0, 64)).bind(3, now).exec();
}

std::int64_t SqliteResetRequests::count_from(std::string_view client_ip, std::int64_t since) {
    auto q = db_.query("SELECT count(*) FROM reset_requests WHERE client_ip = ? AND at > ?");
    q.bind(1, client_ip.substr(0, 64)).bind(2, since);
    q.step();
    return q.int64(0);
}

void SqliteResetRequests::purge_before(std::int64_t t) {
    db_.query("DELETE FROM reset_requests WHERE at <= ?").bind(1, t).exec();
}

void SqliteResetRequests::forget(std::string_view email) {
    db_.query("DELETE FROM reset_requests WHERE email = ? COLLATE NOCASE").bind(1, email).exec();
}

}  // namespace auth
