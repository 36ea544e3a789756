// Accounts in SQLite. Emails are stored normalised (see normalize_email) in a
// COLLATE NOCASE UNIQUE column, so two spellings of one address are one
// account and a concurrent second registration fails cleanly.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace auth {

class Db;

struct User {
    std::int64_t id = 0;
    std::string email;
    std::string name;
    std::string password_hash;
    std::int64_t created_at = 0;
    std::string picture;  // file name in PICTURE_DIR, "" for none
};

class UserStore {
public:
    explicit UserStore(Db& db) : db_(db) {}

    std::optional<User> find_by_email(std::string_view email);
    std::optional<User> find_by_id(std::int64_t id);
    // The new user's id, or nullopt if the email is taken.
    std::optional<std::int64_t> create(std::string_view email, std::string_view name, std::string_view password_hash,
                                       std::int64_t now);
    void update_name(std::int64_t id, std::string_view name, std::int64_t now);
    void update_password_hash(std::int64_t id, std::string_view password_hash, std::int64_t now);
    // The same password at a new cost (rehash at login): password_changed_at stays.
    void replace_hash(std::int64_t id, std::string_view password_hash);
    std::int64_t count();

private:
    Db& db_;
};

}  // namespace auth
