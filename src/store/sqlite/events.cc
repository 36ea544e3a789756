#include "store/sqlite/stores.hh"

namespace auth {

namespace {

constexpr const char* kColumns = "id, at, request_id, name, outcome, user_id, client_ip, browser, actor, detail";

Event event_from(const Statement& q) {
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
    return e;
}

void bind_optional(Statement& q, int index, const std::optional<std::int64_t>& value) {
    if (value)
        q.bind(index, *value);
    else
        q.bind_null(index);
}

std::vector<Event> all_rows(Statement& q) {
    std::vector<Event> events;
    while (q.step()) events.push_back(event_from(q));
    return events;
}

}  // namespace

std::int64_t SqliteEvents::record(const Event& e) {
    auto q = db_.query(
        "INSERT INTO events (at, request_id, name, outcome, user_id, client_ip, browser, actor, detail) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    q.bind(1, e.at).bind(2, e.request_id).bind(3, e.name).bind(4, e.outcome);
    bind_optional(q, 5, e.user_id);
    q.bind(6, e.client_ip).bind(7, e.browser).bind(8, e.actor).bind(9, e.detail);
    q.exec();
    return db_.last_insert_rowid();
}

std::vector<Event> SqliteEvents::for_user(std::int64_t user_id, std::int64_t limit) {
    auto q = db_.query(std::string("SELECT ") + kColumns +
                       " FROM events WHERE user_id = ? ORDER BY at DESC, id DESC LIMIT ?");
    q.bind(1, user_id).bind(2, limit);
    return all_rows(q);
}

std::vector<Event> SqliteEvents::query(const EventFilter& f) {
    // One statement for every combination of filters: a filter left out
    // is bound as '' or NULL and matches everything.
    auto q = db_.query(std::string("SELECT ") + kColumns +
                       " FROM events WHERE (?1 = '' OR name = ?1) AND (?2 IS NULL OR user_id = ?2)"
                       " AND (?3 = '' OR outcome = ?3) AND (?4 IS NULL OR at >= ?4) AND (?5 IS NULL OR at < ?5)"
                       " ORDER BY at DESC, id DESC LIMIT ?6");
    q.bind(1, f.name);
    bind_optional(q, 2, f.user_id);
    q.bind(3, f.outcome);
    bind_optional(q, 4, f.since);
    bind_optional(q, 5, f.until);
    q.bind(6, f.limit);
    return all_rows(q);
}

std::int64_t SqliteEvents::purge_before(std::int64_t t) {
    db_.query("DELETE FROM events WHERE at < ?").bind(1, t).exec();
    return db_.changes();
}

void SqliteEvents::forget_user(std::int64_t user_id) {
    db_.query("DELETE FROM events WHERE user_id = ?").bind(1, user_id).exec();
}

}  // namespace auth
