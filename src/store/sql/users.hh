// Accounts (store.hh UserStore): the statements SQLite and PostgreSQL both
// take, as a base template over the connection (store/sql/sessions.hh). What
// differs stays with each store: reading an account (PostgreSQL locks it
// inside a write transaction), making one (a taken address), changing the
// address and the picture.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/store.hh"

namespace auth {

template <class Conn>
class SqlUserRows : public UserStore {
public:
    explicit SqlUserRows(Conn& db) : db_(db) {}

    void update_name(std::int64_t id, std::string_view name, std::int64_t now) override {
        db_.query("UPDATE users SET name = ?, updated_at = ? WHERE id = ?").bind(1, name).bind(2, now).bind(3, id).exec();
    }

    void set_password_hash(std::int64_t id, std::string_view password_hash, std::int64_t now) override {
        auto q = db_.query(
            "UPDATE users SET password_hash = ?, updated_at = ?, password_changed_at = ?, session_epoch = session_epoch + 1 "
            "WHERE id = ?");
        q.bind(1, password_hash).bind(2, now).bind(3, now).bind(4, id).exec();
    }

    void bump_session_epoch(std::int64_t id) override {
        db_.query("UPDATE users SET session_epoch = session_epoch + 1 WHERE id = ?").bind(1, id).exec();
    }

    bool replace_hash_if(std::int64_t id, std::string_view fresh, std::string_view expected) override {
        auto q = db_.query("UPDATE users SET password_hash = ? WHERE id = ? AND password_hash = ?");
        q.bind(1, fresh).bind(2, id).bind(3, expected).exec();
        return db_.changes() == 1;
    }

    void set_confirmed(std::int64_t id, std::int64_t now) override {
        db_.query("UPDATE users SET confirmed_at = ? WHERE id = ?").bind(1, now).bind(2, id).exec();
    }

    std::vector<std::string> pictures_in_use() override {
        std::vector<std::string> names;
        auto q = db_.query("SELECT picture FROM users WHERE picture IS NOT NULL");
        while (q.step()) names.push_back(q.text(0));
        return names;
    }

    void set_locked(std::int64_t id, std::optional<std::int64_t> at) override {
        auto q = db_.query("UPDATE users SET locked_at = ? WHERE id = ?");
        if (at)
            q.bind(1, *at);
        else
            q.bind_null(1);
        q.bind(2, id).exec();
    }

    std::vector<User> search(std::string_view text, std::int64_t limit) override {
        // LIKE with its wildcards escaped: what was typed is matched as it
        // is, in any case (lower() on both sides: PostgreSQL's LIKE minds case).
        std::string pattern = "%";
        for (char c : text) {
            if (c == '%' || c == '_' || c == '\\') pattern += '\\';
            pattern += c;
        }
        pattern += '%';
        static const std::string sql = std::string("SELECT ") + kColumns +
                                       " FROM users WHERE lower(email) LIKE lower(?) ESCAPE '\\' OR lower(name) LIKE "
                                       "lower(?) ESCAPE '\\' ORDER BY CASE WHEN lower(email) = lower(?) THEN 0 ELSE 1 END, "
                                       "id LIMIT ?";
        auto q = db_.query(sql);
        q.bind(1, pattern).bind(2, pattern).bind(3, text).bind(4, limit);
        std::vector<User> users;
        while (q.step()) users.push_back(read_user(q));
        return users;
    }

    bool remove(std::int64_t id) override {
        db_.query("DELETE FROM users WHERE id = ?").bind(1, id).exec();
        return db_.changes() > 0;
    }

    // The columns of a User, in read_user's order.
    static constexpr const char* kColumns =
        "id, email, name, password_hash, created_at, picture, password_changed_at, session_epoch, confirmed_at, locked_at";

    template <class Row>
    static User read_user(const Row& q) {
        return User{q.int64(0), q.text(1), q.text(2), q.text(3), q.int64(4), q.is_null(5) ? std::string() : q.text(5),
                    q.int64(6), q.int64(7), q.is_null(8) ? 0 : q.int64(8), q.is_null(9) ? 0 : q.int64(9)};
    }

protected:
    Conn& db_;
};

}  // namespace auth
