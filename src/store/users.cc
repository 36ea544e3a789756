#include "store/users.hh"

#include "store/db.hh"

namespace auth {

namespace {

User read_user(const Statement& q) {
    return User{q.int64(0), q.text(1), q.text(2), q.text(3), q.int64(4), q.is_null(5) ? std::string() : q.text(5)};
}
}  // namespace

std::optional<User> UserStore::find_by_email(std::string_view email) {
    auto q = db_.query("SELECT id, email, name, password_hash, created_at, picture FROM users WHERE email = ?");
    q.bind(1, email);
    if (!q.step()) return std::nullopt;
    return read_user(q);
}

std::optional<User> UserStore::find_by_id(std::int64_t id) {
    auto q = db_.query("SELECT id, email, name, password_hash, created_at, picture FROM users WHERE id = ?");
    q.bind(1, id);
    if (!q.step()) return std::nullopt;
    return read_user(q);
}

std::optional<std::int64_t> UserStore::create(std::string_view email, std::string_view name,
                                              std::string_view password_hash, std::int64_t now) {
    try {
        auto q = db_.query(
            "INSERT INTO users (email, name, password_hash, created_at, updated_at, password_changed_at) "
            "VALUES (?, ?, ?, ?, ?, ?)");
        q.bind(1, email).bind(2, name).bind(3, password_hash).bind(4, now).bind(5, now).bind(6, now);
        q.exec();
    } catch (const DbError& e) {
        if (e.unique_violation()) return std::nullopt;
        throw;
    }
    return db_.last_insert_rowid();
}

void UserStore::update_name(std::int64_t id, std::string_view name, std::int64_t now) {
    auto q = db_.query("UPDATE users SET name = ?, updated_at = ? WHERE id = ?");
    q.bind(1, name).bind(2, now).bind(3, id);
    q.exec();
}

void UserStore::update_password_hash(std::int64_t id, std::string_view password_hash, std::int64_t now) {
    auto q = db_.query("UPDATE users SET password_hash = ?, updated_at = ?, password_changed_at = ? WHERE id = ?");
    q.bind(1, password_hash).bind(2, now).bind(3, now).bind(4, id);
    q.exec();
}

void UserStore::replace_hash(std::int64_t id, std::string_view password_hash) {
    auto q = db_.query("UPDATE users SET password_hash = ? WHERE id = ?");
    q.bind(1, password_hash).bind(2, id);
    q.exec();
}

std::int64_t UserStore::count() {
    auto q = db_.query("SELECT count(*) FROM users");
    q.step();
    return q.int64(0);
}

}  // namespace auth
