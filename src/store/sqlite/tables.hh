// The tables of a SQLite database, read for copy-to (store/tables.hh).
#pragma once
#include "store/sqlite/db.hh"
#include "store/tables.hh"

namespace auth {

class SqliteTables final : public TableReader {
public:
    explicit SqliteTables(Db& db) : db_(db) {}
    std::vector<std::string> tables() override;
    std::vector<std::string> columns(const std::string& table) override;
    void rows(const std::string& table, const std::vector<std::string>& columns,
              const std::function<void(const Row&)>& each) override;
    std::int64_t count(const std::string& table) override;

private:
    Db& db_;
};

}  // namespace auth
