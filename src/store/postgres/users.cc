#include "store/postgres/stores.hh"

namespace auth {

namespace {

// Inside a write transaction an account read is locked until the commit:
// what the transaction decides from it (the session epoch, the hash, the
// address) still holds when it writes, whichever node writes next. SQLite
// gets this from BEGIN IMMEDIATE.
std::string select_user(PgConn& db, const char* where) {
    return std::string("SELECT ") + PgUsers::kColumns + " FROM users WHERE " + where + (db.in_transaction() ? " FOR UPDATE" : "");
}

}  // namespace

std::optional<User> PgUsers::find_by_email(std::string_view email) {
    auto q = db_.query(select_user(db_, "ascii_fold(email) = ascii_fold(?)"));
    q.bind(1, email);
    if (!q.step()) return std::nullopt;
    return read_user(q);
}

std::optional<User> PgUsers::find_by_id(std::int64_t id) {
    auto q = db_.query(select_user(db_, "id = ?"));
    q.bind(1, id);
    if (!q.step()) return std::nullopt;
    return read_user(q);
}

std::optional<std::int64_t> PgUsers::create(std::string_view email, std::string_view name, std::string_view password_hash,
                                            std::int64_t now) {
    // A taken address (also by a registration racing on another node) is
    // no row, not an error: an error would abort the whole transaction.
    auto q = db_.query(
        "INSERT INTO users (email, name, password_hash, created_at, updated_at, password_changed_at) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (ascii_fold(email)) DO NOTHING RETURNING id");
    q.bind(1, email).bind(2, name).bind(3, password_hash).bind(4, now).bind(5, now).bind(6, now);
    if (!q.step()) return std::nullopt;
    return q.int64(0);
}

bool PgUsers::set_email(std::int64_t id, std::string_view email, std::int64_t now) {
    {
        auto other = db_.query("SELECT 1 FROM users WHERE ascii_fold(email) = ascii_fold(?) AND id != ?");
        other.bind(1, email).bind(2, id);
        if (other.step()) return false;
    }
    // Another node may take the address between the look and the update:
    // the unique index refuses it, and the savepoint keeps the refusal from
    // aborting the caller's transaction.
    bool in_tx = db_.in_transaction();
    if (in_tx) db_.run("SAVEPOINT set_email");
    try {
        auto q = db_.query("UPDATE users SET email = ?, updated_at = ?, confirmed_at = ? WHERE id = ?");
        q.bind(1, email).bind(2, now).bind(3, now).bind(4, id).exec();
    } catch (const PgError& e) {
        if (!e.unique_violation()) throw;
        if (in_tx) db_.run("ROLLBACK TO SAVEPOINT set_email");
        return false;
    }
    if (in_tx) db_.run("RELEASE SAVEPOINT set_email");
    return true;
}

std::string PgUsers::set_picture(std::int64_t id, std::string_view name) {
    std::string old;
    {
        auto q = db_.query(db_.in_transaction() ? "SELECT picture FROM users WHERE id = ? FOR UPDATE"
                                                : "SELECT picture FROM users WHERE id = ?");
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
