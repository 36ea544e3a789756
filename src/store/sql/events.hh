// The security event log (store.hh EventStore) in SQL that SQLite and
// PostgreSQL both take; a template over the connection, as
// store/sql/sessions.hh.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/store.hh"

namespace auth {

template <class Conn>
class SqlEvents final : public EventStore {
public:
    explicit SqlEvents(Conn& db) : db_(db) {}
    std::int64_t record(const Event& event) override;
    std::vector<Event> for_user(std::int64_t user_id, std::int64_t limit) override;
    std::vector<Event> query(const EventFilter& filter) override;
    std::int64_t purge_before(std::int64_t t) override;
    void forget_user(std::int64_t user_id) override;

private:
    static constexpr const char* kColumns = "id, at, request_id, name, outcome, user_id, client_ip, browser, actor, detail";
    template <class Query>
    static void bind_optional(Query& q, int index, const std::optional<std::int64_t>& value) {
        if (value)
            q.bind(index, *value);
        else
            q.bind_null(index);
    }
    template <class Query>
    static std::vector<Event> all_rows(Query& q) {
        std::vector<Event> events;
        while (q.step()) {
            Event e;
            e.id = q.int64(0);
            e.at = q.int64(1);
            e.request_id = q.text(2);
            e.name = q.text(3);
            e.outcome = q.text(4);
            if (!q.is_null(5)) e.user_id = q.int64(5);
            e.client_ip = q.text(6);
            e.browser = q.text(7);
            e.actor = q.text(8);
            e.detail = q.text(9);
            events.push_back(std::move(e));
        }
        return events;
    }
    Conn& db_;
};


template <class Conn>
std::int64_t SqlEvents<Conn>::record(const Event& e) {
    auto q = db_.query(
        "INSERT INTO events (at, request_id, name, outcome, user_id, client_ip, browser, actor, detail) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
    q.bind(1, e.at).bind(2, e.request_id).bind(3, e.name).bind(4, e.outcome);
    bind_optional(q, 5, e.user_id);
    q.bind(6, e.client_ip).bind(7, e.browser).bind(8, e.actor).bind(9, e.detail);
    q.step();
    return q.int64(0);
}

template <class Conn>
std::vector<Event> SqlEvents<Conn>::for_user(std::int64_t user_id, std::int64_t limit) {
    auto q = db_.query(std::string("SELECT ") + kColumns + " FROM events WHERE user_id = ? ORDER BY at DESC, id DESC LIMIT ?");
    q.bind(1, user_id).bind(2, limit);
    return all_rows(q);
}

template <class Conn>
std::vector<Event> SqlEvents<Conn>::query(const EventFilter& f) {
    // One statement for every combination of filters: a filter left out
    // is bound as '' or NULL and matches everything. Each value is bound
    // twice (PostgreSQL numbers parameters in order), the first time cast
    // so that PostgreSQL knows its type where it is only tested for NULL.
    auto q = db_.query(std::string("SELECT ") + kColumns +
                       " FROM events WHERE (CAST(? AS text) = '' OR name = ?)"
                       " AND (CAST(? AS bigint) IS NULL OR user_id = ?)"
                       " AND (CAST(? AS text) = '' OR outcome = ?)"
                       " AND (CAST(? AS bigint) IS NULL OR at >= ?) AND (CAST(? AS bigint) IS NULL OR at < ?)"
                       " ORDER BY at DESC, id DESC LIMIT ?");
    q.bind(1, f.name).bind(2, f.name);
    bind_optional(q, 3, f.user_id);
    bind_optional(q, 4, f.user_id);
    q.bind(5, f.outcome).bind(6, f.outcome);
    bind_optional(q, 7, f.since);
    bind_optional(q, 8, f.since);
    bind_optional(q, 9, f.until);
    bind_optional(q, 10, f.until);
    q.bind(11, f.limit);
    return all_rows(q);
}

template <class Conn>
std::int64_t SqlEvents<Conn>::purge_before(std::int64_t t) {
    db_.query("DELETE FROM events WHERE at < ?").bind(1, t).exec();
    return db_.changes();
}

template <class Conn>
void SqlEvents<Conn>::forget_user(std::int64_t user_id) {
    db_.query("DELETE FROM events WHERE user_id = ?").bind(1, user_id).exec();
}

}  // namespace auth
