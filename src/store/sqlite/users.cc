#include "store/sqlite/stores.hh"

namespace auth {

namespace {

constexpr const char* kColumns =
    "id, email, name, password_hash, created_at, picture, password_changed_at, session_epoch, confirmed_at, locked_at";

User read_user(const Statement& q) {
    return User{q.int64(0), q.text(1), q.text(2), q.text(3), q.int64(4), q.is_null(5) ? std::string() : q.text(5), q.int64(6),
                q.int64(7), q.is_null(8) ? 0 : q.int64(8), q.is_null(9) ? 0 : q.int64(9)};
}

}  // namespace

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

void SqliteUsers::update_name(std::int64_t id, std::string_view name, std::int64_t now) {
    auto q = db_.query("UPDATE users SET name = ?, updated_at = ? WHERE id = ?");
    q.bind(1, name).bind(2, now).bind(3, id);
    q.exec();
}

void SqliteUsers::set_password_hash(std::int64_t id, std::string_view password_hash, std::int64_t now) {
    auto q = db_.query(
        "UPDATE users SET password_hash = ?, updated_at = ?, password_changed_at = ?, session_epoch = session_epoch + 1 "
        "WHERE id = ?");
    q.bind(1, password_hash).bind(2, now).bind(3, now).bind(4, id);
    q.exec();
}

void SqliteUsers::bump_session_epoch(std::int64_t id) {
    db_.query("UPDATE users SET session_epoch = session_epoch + 1 WHERE id = ?").bind(1, id).exec();
}

bool SqliteUsers::replace_hash_if(std::int64_t id, std::string_view fresh, std::string_view expected) {
    auto q = db_.query("UPDATE users SET password_hash = ? WHERE id = ? AND password_hash = ?");
    q.bind(1, fresh).bind(2, id).bind(3, expected);
    q.exec();
    return db_.changes() == 1;
}

void SqliteUsers::set_confirmed(std::int64_t id, std::int64_t now) {
    db_.query("UPDATE users SET confirmed_at = ? WHERE id = ?").bind(1, now).bind(2, id).exec();
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

std::vector<std::string> SqliteUsers::pictures_in_use() {
    std::vector<std::string> names;
    auto q = db_.query("SELECT picture FROM users WHERE picture IS NOT NULL");
    while (q.step()) names.push_back(q.text(0));
    return names;
}

void SqliteUsers::set_locked(std::int64_t id, std::optional<std::int64_t> at) {
    auto q = db_.query("UPDATE users SET locked_at = ? WHERE id = ?");
    if (at)
        q.bind(1, *at);
    else
        q.bind_null(1);
    q.bind(2, id).exec();
}

std::vector<User> SqliteUsers::search(std::string_view text, std::int64_t limit) {
    // LIKE with its wildcards escaped: what was typed is matched as it is.
    std::string pattern = "%";
    for (char c : text) {
        if (c == '%' || c == '_' || c == '\\') pattern += '\\';
        pattern += c;
    }
    pattern += '%';
    static const std::string sql = std::string("SELECT ") + kColumns +
                                   " FROM users WHERE email LIKE ?1 ESCAPE '\\' OR name LIKE ?1 ESCAPE '\\' "
                                   "ORDER BY email = ?2 DESC, id LIMIT ?3";
    auto q = db_.query(sql);
    q.bind(1, pattern).bind(2, text).bind(3, limit);
    std::vector<User> users;
    while (q.step()) users.push_back(read_user(q));
    return users;
}

bool SqliteUsers::remove(std::int64_t id) {
    db_.query("DELETE FROM users WHERE id = ?").bind(1, id).exec();
    return db_.changes() > 0;
}

}  // namespace auth
