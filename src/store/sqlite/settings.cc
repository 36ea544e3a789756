#include "store/sqlite/stores.hh"

namespace auth {

std::optional<std::string> SqliteSettings::get(std::string_view key) {
    auto q = db_.query("SELECT value FROM settings WHERE key = ?");
    q.bind(1, key);
    if (!q.step()) return std::nullopt;
    return q.text(0);
}

void SqliteSettings::put(std::string_view key, std::string_view value) {
    auto q = db_.query("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)");
    q.bind(1, key).bind(2, value).exec();
}

}  // namespace auth
