#include "store/sqlite/tables.hh"

#include <algorithm>

namespace auth {

namespace {

// Names come from sqlite_master, never from input; quoted all the same.
std::string quoted(const std::string& name) { return "\"" + name + "\""; }

}  // namespace

std::vector<std::string> SqliteTables::tables() {
    std::vector<std::string> names;
    auto q = db_.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name");
    while (q.step()) names.push_back(q.text(0));
    // users first: every other table refers to it, none to another.
    std::stable_partition(names.begin(), names.end(), [](const std::string& n) { return n == "users"; });
    return names;
}

std::vector<std::string> SqliteTables::columns(const std::string& table) {
    std::vector<std::string> names;
    auto q = db_.query("SELECT name FROM pragma_table_info(?) ORDER BY cid");
    q.bind(1, table);
    while (q.step()) names.push_back(q.text(0));
    return names;
}

void SqliteTables::rows(const std::string& table, const std::vector<std::string>& columns,
                        const std::function<void(const Row&)>& each) {
    std::string sql = "SELECT ";
    for (std::size_t i = 0; i < columns.size(); ++i) sql += (i ? ", " : "") + quoted(columns[i]);
    sql += " FROM " + quoted(table);
    auto q = db_.query(sql);
    Row row(columns.size());
    while (q.step()) {
        for (std::size_t i = 0; i < columns.size(); ++i) {
            int c = static_cast<int>(i);
            row[i] = q.is_null(c) ? std::nullopt : std::optional<std::string>(q.text(c));
        }
        each(row);
    }
}

std::int64_t SqliteTables::count(const std::string& table) {
    auto q = db_.query("SELECT count(*) FROM " + quoted(table));
    q.step();
    return q.int64(0);
}

}  // namespace auth
