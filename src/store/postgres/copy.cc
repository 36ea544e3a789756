#include <algorithm>
#include <set>

#include "store/postgres/open.hh"
#include "store/postgres/stores.hh"

namespace auth {

namespace {

std::string quoted(const std::string& name) { return "\"" + name + "\""; }

std::int64_t count_of(PgConn& db, const std::string& table) {
    auto q = db.query("SELECT count(*) FROM " + quoted(table));
    q.step();
    return q.int64(0);
}

}  // namespace

std::vector<TableCount> copy_into_postgres(TableReader& from, const StoreSettings& target, const Clock& clock) {
    PgStore store(target, clock);  // connects and brings the schema to the latest version
    PgConn& db = store.db();
    std::vector<std::string> tables = from.tables();
    // Into an empty database only: a copy merged into a live one would mix
    // two sites' accounts and ids.
    for (const std::string& t : tables) {
        if (t == "schema_migrations") continue;
        {
            auto exists = db.query("SELECT to_regclass(?) IS NOT NULL");
            exists.bind(1, t);
            exists.step();
            if (exists.int64(0) == 0)
                throw PgError("the PostgreSQL schema has no table " + t + " (is the source newer than this program?)", "",
                              false);
        }
        if (count_of(db, t) != 0)
            throw PgError("the PostgreSQL database is not empty (table " + t + " has rows): copy-to fills an empty one", "",
                          false);
    }
    std::vector<TableCount> counts;
    PgTransaction tx(db);
    for (const std::string& t : tables) {
        std::vector<std::string> columns = from.columns(t);
        // Which columns are bytea: those rows' values are sent as bytes.
        std::set<std::string> bytes;
        {
            auto q = db.query(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
                "AND table_name = ? AND data_type = 'bytea'");
            q.bind(1, t);
            while (q.step()) bytes.insert(q.text(0));
        }
        std::string sql = "INSERT INTO " + quoted(t) + " (";
        std::string values;
        for (std::size_t i = 0; i < columns.size(); ++i) {
            sql += (i ? ", " : "") + quoted(columns[i]);
            values += i ? ", ?" : "?";
        }
        // Identity columns take the ids as they are: sessions, links and
        // mails keep their ids, and every row that names a user still does.
        sql += ") OVERRIDING SYSTEM VALUE VALUES (" + values + ")";
        from.rows(t, columns, [&](const Row& row) {
            auto q = db.query(sql);
            for (std::size_t i = 0; i < row.size(); ++i) {
                int n = static_cast<int>(i + 1);
                if (!row[i])
                    q.bind_null(n);
                else if (bytes.count(columns[i]))
                    q.bind_blob(n, *row[i]);
                else
                    q.bind(n, *row[i]);
            }
            q.exec();
        });
        // The next id after the largest copied (the tables with an identity id).
        if (std::find(columns.begin(), columns.end(), "id") != columns.end())
            db.query("SELECT setval(pg_get_serial_sequence(?, 'id'), GREATEST((SELECT MAX(id) FROM " + quoted(t) + "), 1)) "
                 "WHERE pg_get_serial_sequence(?, 'id') IS NOT NULL")
                .bind(1, t)
                .bind(2, t)
                .exec();
        counts.push_back(TableCount{t, from.count(t), count_of(db, t)});
    }
    tx.commit();
    return counts;
}

}  // namespace auth
