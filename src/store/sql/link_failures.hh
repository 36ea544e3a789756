// Failed link confirmations (store.hh LinkFailureStore) in SQL that SQLite and
// PostgreSQL both take; a template over the connection, as store/sql/sessions.hh.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>


#include "store/store.hh"

namespace auth {

template <class Conn>
class SqlLinkFailures final : public LinkFailureStore {
public:
    explicit SqlLinkFailures(Conn& db) : db_(db) {}
    void record(std::string_view client_ip, std::int64_t now) override;
    std::optional<std::int64_t> nth_failure_from(std::string_view client_ip, std::int64_t since, std::int64_t n) override;
    void purge_before(std::int64_t t) override;

private:
    Conn& db_;
};


template <class Conn>
void SqlLinkFailures<Conn>::record(std::string_view client_ip, std::int64_t now) {
    db_.query("INSERT INTO link_failures (client_ip, at) VALUES (?, ?)").bind(1, client_ip.substr(0, 64)).bind(2, now).exec();
}

template <class Conn>
std::optional<std::int64_t> SqlLinkFailures<Conn>::nth_failure_from(std::string_view client_ip, std::int64_t since,
                                                                 std::int64_t n) {
    auto q = db_.query("SELECT at FROM link_failures WHERE client_ip = ? AND at > ? ORDER BY at DESC LIMIT 1 OFFSET ?");
    q.bind(1, client_ip.substr(0, 64)).bind(2, since).bind(3, n - 1);
    if (!q.step()) return std::nullopt;
    return q.int64(0);
}

template <class Conn>
void SqlLinkFailures<Conn>::purge_before(std::int64_t t) {
    db_.query("DELETE FROM link_failures WHERE at <= ?").bind(1, t).exec();
}

}  // namespace auth
