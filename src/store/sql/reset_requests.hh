// Requests for a reset link (store.hh ResetRequestStore) in SQL that SQLite
// and PostgreSQL both take; a template over the connection, as
// store/sql/sessions.hh.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/validate.hh"
#include "store/store.hh"

namespace auth {

template <class Conn>
class SqlResetRequests final : public ResetRequestStore {
public:
    explicit SqlResetRequests(Conn& db) : db_(db) {}
    void record(std::string_view email, std::string_view client_ip, std::int64_t now) override;
    std::int64_t count_from(std::string_view client_ip, std::int64_t since) override;
    void purge_before(std::int64_t t) override;
    void forget(std::string_view email) override;

private:
    Conn& db_;
};


template <class Conn>
void SqlResetRequests<Conn>::record(std::string_view email, std::string_view client_ip, std::int64_t now) {
    auto q = db_.query("INSERT INTO reset_requests (email, client_ip, at) VALUES (?, ?, ?)");
    q.bind(1, ascii_lower(email)).bind(2, client_ip.substr(0, 64)).bind(3, now).exec();
}

template <class Conn>
std::int64_t SqlResetRequests<Conn>::count_from(std::string_view client_ip, std::int64_t since) {
    auto q = db_.query("SELECT count(*) FROM reset_requests WHERE client_ip = ? AND at > ?");
    q.bind(1, client_ip.substr(0, 64)).bind(2, since);
    q.step();
    return q.int64(0);
}

template <class Conn>
void SqlResetRequests<Conn>::purge_before(std::int64_t t) {
    db_.query("DELETE FROM reset_requests WHERE at <= ?").bind(1, t).exec();
}

// record() keeps the address in lower case.
template <class Conn>
void SqlResetRequests<Conn>::forget(std::string_view email) {
    db_.query("DELETE FROM reset_requests WHERE email = ?").bind(1, ascii_lower(email)).exec();
}

}  // namespace auth
