// A database's tables read row by row, whichever database holds them: what
// `sessionauth-admin copy-to` copies from a SQLite site into PostgreSQL.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace auth {

using Row = std::vector<std::optional<std::string>>;  // nullopt: NULL; integers as decimal text

class TableReader {
public:
    virtual ~TableReader() = default;
    // Every table of the site, each after the tables it refers to (users first).
    virtual std::vector<std::string> tables() = 0;
    virtual std::vector<std::string> columns(const std::string& table) = 0;
    virtual void rows(const std::string& table, const std::vector<std::string>& columns,
                      const std::function<void(const Row&)>& each) = 0;
    virtual std::int64_t count(const std::string& table) = 0;
};

// One table copied: its rows in the source and, after the copy, in the target.
struct TableCount {
    std::string table;
    std::int64_t source = 0;
    std::int64_t target = 0;
};

}  // namespace auth
