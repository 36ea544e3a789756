// libpq, loaded when a PostgreSQL database is first opened instead of
// linked into every program. Why: libpq brings libssl, libcrypto, Kerberos,
// LDAP and GnuTLS with it, some 25 shared libraries that every plain-CGI
// start would map and relocate, and every idle FastCGI process would carry,
// for a database most sites never use (issue 12: no page program loads
// OpenSSL). So no program links -lpq: the functions below are libpq's,
// forwarding to libpq.so.5 (its soname since PostgreSQL 8.0) as
// core/shared_library.hh says, once load_libpq() found it, which PgConn
// calls before anything else. A program that never opens PostgreSQL never
// loads it; one that does and cannot find it says which package brings it.
#include "store/postgres/libpq.hh"

#include "core/shared_library.hh"

#pragma GCC visibility push(hidden)
#include <libpq-fe.h>
#pragma GCC visibility pop

namespace auth {

namespace {

#define SESSIONAUTH_LIBPQ_FUNCTIONS(X)                                                                            \
    X(PQclear) X(PQcmdTuples) X(PQconnectdbParams) X(PQconninfoFree) X(PQconninfoParse) X(PQerrorMessage) X(PQexec) \
    X(PQexecParams) X(PQfinish) X(PQfreemem) X(PQftype) X(PQgetisnull) X(PQgetlength) X(PQgetvalue) X(PQntuples)   \
    X(PQresultErrorField) X(PQresultErrorMessage) X(PQresultStatus) X(PQstatus)

#define SESSIONAUTH_FIELD(name) decltype(&::name) name = nullptr;
#define SESSIONAUTH_FIND(name) lib.find(g_libpq.name, #name);

struct Libpq {
    SESSIONAUTH_LIBPQ_FUNCTIONS(SESSIONAUTH_FIELD)
};

Libpq g_libpq;  // filled once, then only read (per process, like the connection)
SharedLibrary g_library("libpq.so.5", "DATABASE_URL is set, but libpq cannot be loaded (install libpq5)");

}  // namespace

void load_libpq() {
    g_library.load<StoreError>([](SharedLibrary& lib) { SESSIONAUTH_LIBPQ_FUNCTIONS(SESSIONAUTH_FIND) });
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
