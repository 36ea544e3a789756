// The floor of any FastCGI page, for `./dev bench`: a libfcgi accept loop
// that answers every request with one SQLite primary-key SELECT (the name
// of user 1 in the site's own database) and a few bytes of HTML. Nothing
// else: no configuration, no templates, no cookies, no headers beyond
// Content-Type.
//
//   BENCH_DB=DATABASE [BENCH_RESPONSE=FILE] fcgi_control
//                                     (lighttpd spawns it; the socket is fd 0)
//
// With BENCH_RESPONSE (fcgi_page_control in the bench) it answers with the
// bytes of FILE instead, a CGI response (headers and body) the bench
// recorded from the site's GET /profile: the same SELECT, then a page as
// large and with the same headers as the site's, read once. It shows what
// sending that page costs any FastCGI program.
//
// Build: g++ -std=c++20 -O2 bench/fcgi_control.cc $(pkg-config --cflags --libs fcgi sqlite3)
#include <fcgiapp.h>
#include <sqlite3.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

int main() {
    // Read before the first accept: afterwards getenv() sees only the request's variables.
    const char* path = std::getenv("BENCH_DB");
    if (!path || !*path) {
        std::fprintf(stderr, "usage: BENCH_DB=DATABASE fcgi_control\n");
        return 2;
    }
    const char* recorded = std::getenv("BENCH_RESPONSE");
    const std::string response_file = recorded ? recorded : "";
    std::string page;  // read at the first request that finds the file: the bench writes it once the site is up
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
        std::fprintf(stderr, "fcgi_control: cannot open %s: %s\n", path, db ? sqlite3_errmsg(db) : "?");
        return 1;
    }
    sqlite3_busy_timeout(db, 5000);
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v3(db, "SELECT name FROM users WHERE id = ?", -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) !=
        SQLITE_OK) {
        std::fprintf(stderr, "fcgi_control: prepare: %s\n", sqlite3_errmsg(db));
        return 1;
    }
    if (FCGX_Init() != 0) return 1;
    FCGX_Request request;
    FCGX_InitRequest(&request, 0, 0);
    std::string out;
    while (FCGX_Accept_r(&request) >= 0) {
        sqlite3_bind_int64(stmt, 1, 1);
        std::string name = "(none)";
        int rc = sqlite3_step(stmt);
        if (rc == SQLITE_ROW) {
            const unsigned char* text = sqlite3_column_text(stmt, 0);
            if (text) name = reinterpret_cast<const char*>(text);
        }
        sqlite3_reset(stmt);
        if (!response_file.empty() && page.empty()) {
            std::ifstream in(response_file, std::ios::binary);
            page.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
        }
        if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
            out = "Status: 500 Internal Server Error\r\nContent-Type: text/plain\r\n\r\nerror\n";
        } else if (!response_file.empty()) {
            out = page.empty() ? "Status: 503 Service Unavailable\r\nContent-Type: text/plain\r\n\r\nno recorded page yet\n"
                               : page;
        } else {
            out = "Content-Type: text/html; charset=utf-8\r\n\r\n<!DOCTYPE html><title>control</title><p>";
            out += std::to_string(name.size());  // no escaping needed: only the length is shown
            out += "</p>\n";
        }
        FCGX_PutStr(out.data(), static_cast<int>(out.size()), request.out);
        FCGX_Finish_r(&request);
    }
    FCGX_Free(&request, 1);
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return 0;
}
