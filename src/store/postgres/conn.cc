#include "store/postgres/conn.hh"

#include <libpq-fe.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "core/log.hh"
#include "store/postgres/libpq.hh"

namespace auth {

namespace {

constexpr unsigned kByteaOid = 17;

struct ResultDeleter {
    void operator()(PGresult* r) const { PQclear(r); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;

struct OptionsDeleter {
    void operator()(PQconninfoOption* o) const { PQconninfoFree(o); }
};

std::string sqlstate_of(const PGresult* r) {
    const char* s = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
    return s ? s : "";
}

// libpq's messages end in a newline and may span lines.
std::string one_line(const char* message) {
    std::string m = message ? message : "";
    for (char& c : m)
        if (c == '\n') c = ' ';
    while (!m.empty() && m.back() == ' ') m.pop_back();
    return m;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace

bool PgError::busy() const {
    // 40001 serialization failure, 40P01 deadlock, 55P03 lock not available,
    // 57014 statement timeout, 57P01..57P03 the server shutting down or
    // starting, 08xxx connection exceptions.
    return lost_ || sqlstate_ == "40001" || sqlstate_ == "40P01" || sqlstate_ == "55P03" || sqlstate_ == "57014" ||
           sqlstate_.rfind("57P0", 0) == 0 || sqlstate_.rfind("08", 0) == 0;
}

bool PgError::retry() const {
    return lost_ || sqlstate_ == "40001" || sqlstate_ == "40P01" || sqlstate_.rfind("57P0", 0) == 0 ||
           sqlstate_.rfind("08", 0) == 0;
}

PgConn::PgConn(PgConnSettings settings) : settings_(std::move(settings)) {
    load_libpq();
    connect_within_timeout();
}

void PgConn::connect_within_timeout() {
    // The server restarting (pg_ctl restart, a failover) refuses
    // connections for a moment: tried again for up to connect_timeout
    // seconds, so that a request (or a process starting) then waits
    // instead of failing.
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(settings_.connect_timeout);
    for (;;) {
        try {
            connect();
            return;
        } catch (const PgError& e) {
            if (!e.lost() || std::chrono::steady_clock::now() >= until) throw;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
}

void PgConn::reconnect() {
    connect_within_timeout();
    log_line("database: connected again");
}

PgConn::~PgConn() {
    if (conn_) PQfinish(conn_);
}

void PgConn::connect() {
    if (conn_) {
        PQfinish(conn_);
        conn_ = nullptr;
    }
    in_tx_ = false;
    // The URL's own settings, with the statement timeout added to its
    // `options` and connect_timeout where it names none. Its text is never
    // put in a message: it may hold a password.
    char* error = nullptr;
    std::unique_ptr<PQconninfoOption, OptionsDeleter> parsed(PQconninfoParse(settings_.url.c_str(), &error));
    if (!parsed) {
        // libpq's reason may quote a piece of the URL: not repeated.
        PQfreemem(error);
        throw PgError("DATABASE_URL is not a PostgreSQL URL (postgresql://...) or key=value connection string", "",
                      false);
    }
    std::vector<std::string> keys, values;
    bool has_timeout = false, has_options = false, has_name = false;
    std::string timeout_option = "-c statement_timeout=" + std::to_string(settings_.statement_timeout);
    for (PQconninfoOption* o = parsed.get(); o->keyword; ++o) {
        if (!o->val) continue;
        std::string key = o->keyword, value = o->val;
        if (key == "connect_timeout") has_timeout = true;
        if (key == "application_name" || key == "fallback_application_name") has_name = true;
        if (key == "options") {
            has_options = true;
            value = timeout_option + " " + value;
        }
        keys.push_back(key);
        values.push_back(value);
    }
    if (!has_options) keys.push_back("options"), values.push_back(timeout_option);
    if (!has_timeout) keys.push_back("connect_timeout"), values.push_back(std::to_string(settings_.connect_timeout));
    if (!has_name) keys.push_back("fallback_application_name"), values.push_back("sessionauth");
    std::vector<const char*> k, v;
    for (std::size_t i = 0; i < keys.size(); ++i) k.push_back(keys[i].c_str()), v.push_back(values[i].c_str());
    k.push_back(nullptr);
    v.push_back(nullptr);
    ++generation_;
    conn_ = PQconnectdbParams(k.data(), v.data(), 0);
    if (!conn_) throw PgError("cannot connect to PostgreSQL: out of memory", "", true);
    if (PQstatus(conn_) != CONNECTION_OK) {
        std::string why = one_line(PQerrorMessage(conn_));
        PQfinish(conn_);
        conn_ = nullptr;
        throw PgError("cannot connect to PostgreSQL: " + why, "08006", true);
    }
}

void PgConn::fail(PGresult* result, const std::string& what) {
    Result owned(result);
    bool lost = !conn_ || PQstatus(conn_) != CONNECTION_OK;
    std::string message = one_line(result ? PQresultErrorMessage(result) : PQerrorMessage(conn_));
    if (message.empty() && conn_) message = one_line(PQerrorMessage(conn_));
    std::string state = sqlstate_of(result);
    if (lost) {
        // Opened again before the next statement (or this request's retry);
        // a transaction it was in stays marked until it is rolled back, so
        // that nothing of it runs on the new connection as if outside one.
        PQfinish(conn_);
        conn_ = nullptr;
    }
    throw PgError(what + ": " + message, state, lost);
}

const std::string& PgConn::translated(std::string_view sql) {
    auto it = sql_.find(std::string(sql));
    if (it != sql_.end()) return it->second;
    std::string out;
    out.reserve(sql.size() + 16);
    int n = 0;
    char quote = 0;
    for (char c : sql) {
        if (quote) {
            if (c == quote) quote = 0;
            out += c;
        } else if (c == '\'' || c == '"') {
            quote = c;
            out += c;
        } else if (c == '?') {
            out += '$' + std::to_string(++n);
        } else {
            out += c;
        }
    }
    return sql_.emplace(std::string(sql), std::move(out)).first->second;
}

PgQuery PgConn::query(std::string_view sql) { return PgQuery(*this, translated(sql)); }

PGresult* PgConn::execute(const std::string& sql, const std::vector<std::optional<std::string>>& values,
                          const std::vector<int>& binary) {
    if (!conn_) {
        // A transaction whose connection broke is over: nothing of it may
        // run on a new connection as if outside one.
        if (in_tx_) throw PgError("the connection broke inside a transaction", "08006", true);
        reconnect();
    }
    std::vector<const char*> v(values.size());
    std::vector<int> lengths(values.size());
    for (std::size_t i = 0; i < values.size(); ++i) {
        v[i] = values[i] ? values[i]->data() : nullptr;
        lengths[i] = values[i] ? static_cast<int>(values[i]->size()) : 0;
    }
    PGresult* r = PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr, v.data(), lengths.data(),
                               binary.data(), 0);
    ExecStatusType status = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) fail(r, "query failed");
    const char* n = PQcmdTuples(r);
    changes_ = n && *n ? std::strtoll(n, nullptr, 10) : 0;
    return r;
}

void PgConn::run(const std::string& sql) {
    if (!conn_) {
        if (in_tx_) throw PgError("the connection broke inside a transaction", "08006", true);
        reconnect();
    }
    PGresult* r = PQexec(conn_, sql.c_str());
    if (!r || PQresultStatus(r) != PGRES_COMMAND_OK) {
        if (r && PQresultStatus(r) == PGRES_TUPLES_OK) {
            PQclear(r);
            return;
        }
        fail(r, "statement failed");
    }
    PQclear(r);
}

void PgConn::begin() {
    if (in_tx_) throw PgError("a transaction is already open", "", false);
    run("BEGIN");
    in_tx_ = true;
}

void PgConn::commit() {
    in_tx_ = false;  // over, whatever COMMIT answers
    if (!conn_) throw PgError("the connection broke inside a transaction", "08006", true);
    run("COMMIT");
}

void PgConn::rollback() noexcept {
    bool was = in_tx_;
    in_tx_ = false;
    if (!was || !conn_) return;
    PGresult* r = PQexec(conn_, "ROLLBACK");
    if (!r || PQresultStatus(r) != PGRES_COMMAND_OK) log_line("rollback failed: " + one_line(PQerrorMessage(conn_)));
    PQclear(r);
    if (PQstatus(conn_) != CONNECTION_OK) {
        PQfinish(conn_);
        conn_ = nullptr;
    }
}

void PgConn::lock_key(std::string_view key) {
    if (!in_tx_) return;
    query("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))").bind(1, key).exec();
}

PgQuery::PgQuery(PgQuery&& other) noexcept
    : conn_(other.conn_), sql_(other.sql_), values_(std::move(other.values_)), binary_(std::move(other.binary_)),
      result_(other.result_), row_(other.row_), rows_(other.rows_) {
    other.result_ = nullptr;
}

PgQuery::~PgQuery() {
    if (result_) PQclear(result_);
}

void PgQuery::set(int index, std::optional<std::string> value, bool binary) {
    auto i = static_cast<std::size_t>(index - 1);
    if (values_.size() <= i) {
        values_.resize(i + 1);
        binary_.resize(i + 1, 0);
    }
    values_[i] = std::move(value);
    binary_[i] = binary ? 1 : 0;
}

PgQuery& PgQuery::bind(int index, std::int64_t value) {
    set(index, std::to_string(value), false);
    return *this;
}

PgQuery& PgQuery::bind(int index, std::string_view text) {
    set(index, std::string(text), false);
    return *this;
}

PgQuery& PgQuery::bind_blob(int index, std::string_view bytes) {
    set(index, std::string(bytes), true);
    return *this;
}

PgQuery& PgQuery::bind_null(int index) {
    set(index, std::nullopt, false);
    return *this;
}

bool PgQuery::step() {
    if (!result_) {
        result_ = conn_.execute(sql_, values_, binary_);
        rows_ = PQntuples(result_);
    }
    return ++row_ < rows_;
}

std::int64_t PgQuery::int64(int column) const {
    const char* v = PQgetvalue(result_, row_, column);
    if (!v || !*v) return 0;
    if (*v == 't') return 1;  // a boolean
    if (*v == 'f') return 0;
    return std::strtoll(v, nullptr, 10);
}

std::string PgQuery::text(int column) const {
    const char* v = PQgetvalue(result_, row_, column);
    int n = PQgetlength(result_, row_, column);
    if (PQftype(result_, column) != kByteaOid) return std::string(v, static_cast<std::size_t>(n));
    // bytea in text form: \x and two hex digits a byte.
    std::string bytes;
    if (n < 2 || v[0] != '\\' || v[1] != 'x') return bytes;
    bytes.reserve(static_cast<std::size_t>(n - 2) / 2);
    for (int i = 2; i + 1 < n; i += 2) bytes.push_back(static_cast<char>(hex_value(v[i]) * 16 + hex_value(v[i + 1])));
    return bytes;
}

bool PgQuery::is_null(int column) const { return PQgetisnull(result_, row_, column) != 0; }

}  // namespace auth
