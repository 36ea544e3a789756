#include "store/postgres/stores.hh"

namespace auth {

std::optional<std::string> PgSettings::get(std::string_view key) {
    auto q = db_.query("SELECT value FROM settings WHERE key = ?");
    q.bind(1, key);
    if (!q.step()) return std::nullopt;
    return q.text(0);
}

void PgSettings::put(std::string_view key, std::string_view value) {
    auto q = db_.query("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value");
    q.bind(1, key).bind(2, value).exec();
}

}  // namespace auth
