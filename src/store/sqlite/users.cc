#include "store/sqlite/stores.hh"

namespace auth {

std::optional<User> SqliteUsers::find_by_email(std::string_view email) {
    static const std::string sql = std::string("SELECT ") + kColumns + " FROM users WHERE email = ?";
    auto q = db_.query(sql);
    q.bind(1, email);
    if (!q.step()) return std::nullopt;
    return read_user(q);
}

std::optional<User> SqliteUsers::find_by_id(std::int64_t id) {
    static const std::string sql = std::string("SELECT ") + kColumns + " FROM users WHERE id = ?";
    auto q = db_.query(sql);
    q.bind(1, id);
    if (!q.step()) return std::nullopt;
    return read_user(q);
}

std::optional<std::int64_t> SqliteUsers::create(std::string_view email, std::string_view name,
                                                std::string_view password_hash, std::int64_t now) {
    try {
        // A new id is above every id the event log still names: SQLite
        // would otherwise give a deleted account's id (the highest) to the
        // next one, and its kept account.deleted event would show up as
        // the newcomer's (PostgreSQL's identity never reuses one).
        auto q = db_.query(
            "INSERT INTO users (id, email, name, password_hash, created_at, updated_at, password_changed_at) "
            "VALUES ((SELECT coalesce(max(m), 0) + 1 FROM (SELECT max(id) AS m FROM users "
            "UNION ALL SELECT max(user_id) FROM events)), ?, ?, ?, ?, ?, ?)");
        q.bind(1, email).bind(2, name).bind(3, password_hash).bind(4, now).bind(5, now).bind(6, now);
        q.exec();
    } catch (const DbError& e) {
        if (e.unique_violation()) return std::nullopt;
        throw;
    }
    return db_.last_insert_rowid();
}

bool SqliteUsers::set_email(std::int64_t id, std::string_view email, std::int64_t now) {
    {
        auto other = db_.query("SELECT 1 FROM users WHERE email = ? AND id != ?");
        other.bind(1, email).bind(2, id);
        if (other.step()) return false;
    }
    try {
        auto q = db_.query("UPDATE users SET email = ?, updated_at = ?, confirmed_at = ? WHERE id = ?");
        q.bind(1, email).bind(2, now).bind(3, now).bind(4, id).exec();
    } catch (const DbError& e) {
        if (e.unique_violation()) return false;
        throw;
    }
    return true;
}

std::string SqliteUsers::set_picture(std::int64_t id, std::string_view name) {
    std::string old;
    {
        auto q = db_.query("SELECT picture FROM users WHERE id = ?");
        q.bind(1, id);
        if (q.step() && !q.is_null(0)) old = q.text(0);
    }
    auto u = db_.query("UPDATE users SET picture = ? WHERE id = ?");
    if (name.empty())
        u.bind_null(1);
    else
        u.bind(1, name);
    u.bind(2, id).exec();
    return old;
}

}  // namespace auth
