// libpq, loaded when a PostgreSQL database is first opened instead of
// linked into every program.
//
// Why: libpq brings libssl, libcrypto, Kerberos, LDAP and GnuTLS with it,
// some 25 shared libraries that every plain-CGI start would map and
// relocate, and every idle FastCGI process would carry, for a database most
// sites never use (issue 12: no page program loads OpenSSL). So no program
// links -lpq. The functions below are libpq's, with its declarations
// (libpq-fe.h, so the compiler checks each signature), and forward to the
// real ones, looked up once in libpq.so.5 (its soname since PostgreSQL 8.0)
// by load_libpq(), which PgConn calls before anything else. A program that
// never opens PostgreSQL never loads it; one that does and cannot find it
// says so and which package brings it.
//
// The program's own definitions stay private to it (a PIE exports nothing
// it is not asked to), so libpq's calls among its own functions never land
// here.
#include "store/postgres/libpq.hh"

#include <dlfcn.h>

// Before the hidden block below, so that libc and libstdc++ stay as they are.
#include <mutex>
#include <string>

// The library's functions, as declared and as defined below, stay hidden:
// never exported, even from a program linked with --export-dynamic, so
// that the library's own calls (and another library's, such as libssl's
// into libcrypto) can never land on these stand-ins.
#pragma GCC visibility push(hidden)
#include <libpq-fe.h>
#pragma GCC visibility pop

namespace auth {

namespace {

#define SESSIONAUTH_LIBPQ_FUNCTIONS(X)                                                                            \
    X(PQclear) X(PQcmdTuples) X(PQconnectdbParams) X(PQconninfoFree) X(PQconninfoParse) X(PQerrorMessage) X(PQexec) \
    X(PQexecParams) X(PQfinish) X(PQfreemem) X(PQftype) X(PQgetisnull) X(PQgetlength) X(PQgetvalue) X(PQntuples)   \
    X(PQresultErrorField) X(PQresultErrorMessage) X(PQresultStatus) X(PQstatus)

struct Libpq {
#define SESSIONAUTH_FIELD(name) decltype(&::name) name = nullptr;
    SESSIONAUTH_LIBPQ_FUNCTIONS(SESSIONAUTH_FIELD)
#undef SESSIONAUTH_FIELD
};

Libpq g_libpq;  // filled once, then only read (per process, like the connection)
std::once_flag g_loaded;
std::string g_load_error;

void load() {
    // RTLD_LOCAL: libpq's symbols (and OpenSSL's) stay out of the global scope.
    void* handle = dlopen("libpq.so.5", RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        const char* why = dlerror();
        g_load_error = std::string("DATABASE_URL is set, but libpq cannot be loaded (install libpq5): ") +
                       (why ? why : "libpq.so.5 not found");
        return;
    }
    // Kept open for the life of the process: the connection uses it to the end.
#define SESSIONAUTH_LOOKUP(name)                                                          \
    g_libpq.name = reinterpret_cast<decltype(g_libpq.name)>(dlsym(handle, #name));        \
    if (!g_libpq.name) {                                                                  \
        g_load_error = "libpq.so.5 has no " #name ": it is older than this build needs"; \
        return;                                                                           \
    }
    SESSIONAUTH_LIBPQ_FUNCTIONS(SESSIONAUTH_LOOKUP)
#undef SESSIONAUTH_LOOKUP
}

}  // namespace

void load_libpq() {
    std::call_once(g_loaded, load);
    if (!g_load_error.empty()) throw StoreError(g_load_error);
}

}  // namespace auth

using auth::g_libpq;

// Called only after load_libpq() succeeded (PgConn's constructor).
#pragma GCC visibility push(hidden)
extern "C" {
void PQclear(PGresult* res) { g_libpq.PQclear(res); }
char* PQcmdTuples(PGresult* res) { return g_libpq.PQcmdTuples(res); }
PGconn* PQconnectdbParams(const char* const* keywords, const char* const* values, int expand_dbname) {
    return g_libpq.PQconnectdbParams(keywords, values, expand_dbname);
}
void PQconninfoFree(PQconninfoOption* options) { g_libpq.PQconninfoFree(options); }
PQconninfoOption* PQconninfoParse(const char* conninfo, char** errmsg) { return g_libpq.PQconninfoParse(conninfo, errmsg); }
char* PQerrorMessage(const PGconn* conn) { return g_libpq.PQerrorMessage(conn); }
PGresult* PQexec(PGconn* conn, const char* query) { return g_libpq.PQexec(conn, query); }
PGresult* PQexecParams(PGconn* conn, const char* command, int n, const Oid* types, const char* const* values,
                       const int* lengths, const int* formats, int result_format) {
    return g_libpq.PQexecParams(conn, command, n, types, values, lengths, formats, result_format);
}
void PQfinish(PGconn* conn) { g_libpq.PQfinish(conn); }
void PQfreemem(void* ptr) { g_libpq.PQfreemem(ptr); }
Oid PQftype(const PGresult* res, int field) { return g_libpq.PQftype(res, field); }
int PQgetisnull(const PGresult* res, int tup, int field) { return g_libpq.PQgetisnull(res, tup, field); }
int PQgetlength(const PGresult* res, int tup, int field) { return g_libpq.PQgetlength(res, tup, field); }
char* PQgetvalue(const PGresult* res, int tup, int field) { return g_libpq.PQgetvalue(res, tup, field); }
int PQntuples(const PGresult* res) { return g_libpq.PQntuples(res); }
char* PQresultErrorField(const PGresult* res, int code) { return g_libpq.PQresultErrorField(res, code); }
char* PQresultErrorMessage(const PGresult* res) { return g_libpq.PQresultErrorMessage(res); }
ExecStatusType PQresultStatus(const PGresult* res) { return g_libpq.PQresultStatus(res); }
ConnStatusType PQstatus(const PGconn* conn) { return g_libpq.PQstatus(conn); }
}
#pragma GCC visibility pop
