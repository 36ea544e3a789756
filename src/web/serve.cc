#include "web/serve.hh"

#include <fcgiapp.h>
#include <sodium.h>

#include <cstdio>
#include <memory>
#include <random>
#include <string>
#include <string_view>

#include "web/app.hh"
#include "web/cgi_keeper.hh"
#include "account/events.hh"
#include "core/config.hh"
#include "core/crypto.hh"
#include "core/log.hh"
#include "core/net_address.hh"
#include "web/responses.hh"

extern char** environ;

namespace auth {

namespace {

// Where the server names the env file: see env_file_in().
constexpr const char* kEnvFileVariables[] = {"AUTH_ENV", "REDIRECT_AUTH_ENV"};

struct FcgxRequest {
    FCGX_Request request{};
    FcgxRequest() { FCGX_InitRequest(&request, 0, 0); }
    ~FcgxRequest() { FCGX_Free(&request, 1); }
    FcgxRequest(const FcgxRequest&) = delete;
    FcgxRequest& operator=(const FcgxRequest&) = delete;
};

// Whether this request does the housekeeping: one in 100. The draw guards
// nothing (it only spreads the work), so it comes from a generator seeded
// once per process (one a thread), not from a getrandom() system call per
// request as randombytes_uniform() made it.
bool housekeeping_turn() {
    thread_local std::minstd_rand dice(randombytes_random());
    return dice() % 100 == 0;
}

}  // namespace

void after_response(App& app, bool deliver_mail) {
    try {
        app.delivery.after_response(deliver_mail);
    } catch (const std::exception& e) {
        log_line(std::string("cannot start mail delivery: ") + e.what());
    }
    try {
        if (housekeeping_turn()) app.accounts.housekeeping();
    } catch (const std::exception& e) {
        log_line(std::string("housekeeping failed: ") + e.what());
    }
}

namespace {

// The page, run once more when the database asks for it (StoreError::retry):
// the connection was lost (PostgreSQL restarted or failed over; the store
// connects again) or the database rolled the transaction back to resolve a
// conflict with another node's. Once only: a second failure is answered
// (503 when the database is away, as for a busy SQLite file).
Response dispatch_with_retry(const Program& program, const Request& request, App& app, const std::string& where) {
    try {
        return dispatch(program, request, app);
    } catch (const StoreError& e) {
        if (!e.retry()) throw;
        log_line("database: " + std::string(e.what()) + "; running " + where + " again");
    }
    return dispatch(program, request, app);
}

}  // namespace

Response handle(App& app, const Program& program, const CgiEnv& env, const BodyReader& read_body) {
    return handle(app, program, CgiVariables(env), read_body);
}

Response handle(App& app, const Program& program, const CgiVariables& var, const BodyReader& read_body) {
    Response response;
    // One id per request: in each of its log lines and events, and the
    // reference a 500 page gives (so a report can be found in the log).
    const std::string id = new_request_id();
    std::string where;
    auto failed = [&](const std::string& why) {
        log_line("error " + id + " in " + where + ": " + why);
        return error_page(app, 500, "Something went wrong on our side (reference " + id + "). Please try again later.");
    };
    try {
        BodyLimit limit = [&program](const std::string& path) { return program.max_body(path); };
        Request request = parse_request(var, read_body, app.config().base_path, limit);
        request.request_id = id;
        // Behind a trusted reverse proxy the client is named by X-Forwarded-For.
        request.remote_addr = client_address(request.remote_addr, request.forwarded_for, app.config().trusted_proxies);
        where = request.method + " " + request.path;
        response = dispatch_with_retry(program, request, app, where);
    } catch (const HttpError& e) {
        log_line(std::string(e.what()) + " (request " + id + (where.empty() ? "" : ", " + where) + ")");
        response = error_page(app, e.status(), e.message());
        if (e.status() == 405) response.set_header("Allow", "GET, HEAD, POST");
    } catch (const StoreError& e) {
        if (e.busy()) {
            log_line("database busy (request " + id + "): " + e.what());
            response = error_page(app, 503, "The site is busy right now. Please try again in a few seconds.");
            response.set_header("Retry-After", "5");
        } else {
            response = failed(std::string("database: ") + e.what());
        }
    } catch (const std::exception& e) {
        response = failed(e.what());
    } catch (...) {
        response = failed("unknown exception");
    }
    add_standard_headers(response, app.config());
    return response;
}

namespace {

// AUTH_ENV as the server passed it: set for the process (lighttpd
// bin-environment, FcgidInitialEnv, CGI) or, under .htaccess, with each
// request (SetEnv; REDIRECT_AUTH_ENV after a rewrite). `envp` holds
// "NAME=value" strings, as environ and a FastCGI request do.
std::string env_file_in(const char* const* envp) {
    // The first of a name sent twice counts, as in parse_request; an empty
    // one gives way to the next name.
    for (std::string_view key : kEnvFileVariables) {
        for (const char* const* p = envp; p && *p; ++p) {
            std::string_view line(*p);
            if (line.size() > key.size() && line.starts_with(key) && line[key.size()] == '=') {
                if (line.size() > key.size() + 1) return std::string(line.substr(key.size() + 1));
                break;
            }
        }
    }
    return {};
}

std::unique_ptr<App> start_app(const std::string& env_file) {
    return std::make_unique<App>(load_config(env_file));
}

// A FastCGI process connects before its first request, so that a database it
// cannot open is told at start; plain CGI connects only if the page reads.
std::unique_ptr<App> start_fastcgi_app(const std::string& env_file) {
    auto app = start_app(env_file);
    app->store().open();
    return app;
}

// What a visitor gets when the site cannot start (the log says why).
std::string not_configured() {
    Response r;
    r.status = 500;
    r.set_header("Content-Type", "text/html; charset=utf-8");
    r.set_header("Cache-Control", "no-store");
    r.body = "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Unavailable</title></head><body>"
             "<h1>This site is not available</h1><p>It is not set up correctly. The administrator will find the reason "
             "in the web server's error log.</p></body></html>";
    return r.serialize();
}

}  // namespace

int serve(const Program& program, int argc, char** argv) {
    set_program_name(argc > 0 ? argv[0] : "sessionauth");
    try {
        crypto_init();
    } catch (const std::exception& e) {
        log_line(std::string("cannot start: ") + e.what());
        return 1;
    }
    std::unique_ptr<App> app;

    if (FCGX_IsCGI()) {
        // First: the keeper is a copy of this process, made before the
        // settings and their secrets are read.
        keep_cgi_socket_until_exit();
        try {
            app = start_app(env_file_in(environ));
        } catch (const std::exception& e) {
            log_line(std::string("cannot start: ") + e.what());
            std::string out = not_configured();
            std::fwrite(out.data(), 1, out.size(), stdout);
            return 1;
        }
        BodyReader read = [](std::size_t n) {
            std::string body(n, '\0');
            std::size_t got = std::fread(body.data(), 1, n, stdin);
            body.resize(got);
            return body;
        };
        const CgiVariables var(environ);
        Response r = handle(*app, program, var, read);
        std::string out = r.serialize(!var.head());
        std::fwrite(out.data(), 1, out.size(), stdout);
        std::fflush(stdout);
        // Read what is left of a body the page did not take (refused as too
        // large, wrong type, ...): Apache's mod_cgid passes it over a Unix
        // socket, and closing that with unread bytes in it resets the
        // connection, so Apache loses the answer above. Bounded, so that a
        // client sending without end cannot keep the process.
        {
            char sink[16384];
            std::size_t drained = 0;
            std::size_t n;
            while (drained < 16 * 1024 * 1024 && (n = std::fread(sink, 1, sizeof sink, stdin)) > 0) drained += n;
        }
        // The work after the answer (one request in 30 looks for mail that
        // is due, one in 100 does the housekeeping) comes before the end of
        // the process, not after closing stdout: mod_cgid's stdin and
        // stdout are one socket, and once it is closed Apache ends the
        // request by sending SIGTERM to a process still running and
        // sleeping 10 ms (then 20, 40, ... up to 3 s and SIGKILL) until it
        // is gone, holding the connection meanwhile. The visitor does not
        // wait for it: Apache passes the answer on as it comes (it has its
        // Content-Length), before the socket closes.
        after_response(*app, r.deliver_mail);
        app.reset();  // the database closed in order
        std::fflush(nullptr);
        // Under mod_cgid the keeper closes the socket once this process is
        // gone (see cgi_keeper.hh): Apache's check then finds nothing.
        std::_Exit(0);
    }

    // FastCGI: open everything before the first accept when the process was
    // given its settings; otherwise (.htaccess SetEnv) at the first request.
    std::string process_file = env_file_in(environ);
    try {
        app = start_fastcgi_app(process_file);
    } catch (const std::exception& e) {
        if (!process_file.empty()) {
            log_line(std::string("cannot start: ") + e.what());
            return 1;
        }
    }
    if (FCGX_Init() != 0) {
        log_line("cannot start: FCGX_Init failed");
        return 1;
    }
    FcgxRequest fcgx;
    while (FCGX_Accept_r(&fcgx.request) >= 0) {
        if (!app) {
            try {
                app = start_fastcgi_app(env_file_in(fcgx.request.envp));
            } catch (const std::exception& e) {
                log_line(std::string("cannot start: ") + e.what());
                std::string out = not_configured();
                FCGX_PutStr(out.data(), static_cast<int>(out.size()), fcgx.request.out);
                FCGX_Finish_r(&fcgx.request);
                return 1;
            }
        }
        FCGX_Stream* in = fcgx.request.in;
        BodyReader read = [in](std::size_t n) {
            std::string body(n, '\0');
            std::size_t got = 0;
            while (got < n) {
                int r = FCGX_GetStr(body.data() + got, static_cast<int>(n - got), in);
                if (r <= 0) break;
                got += static_cast<std::size_t>(r);
            }
            body.resize(got);
            return body;
        };
        Response r;
        {
            // Views into the request's own variables, which FCGX_Finish_r
            // frees: they end before it.
            const CgiVariables var(fcgx.request.envp);
            r = handle(*app, program, var, read);
            // Head and body into libfcgi's buffer one after the other: it sends
            // them in one write() when they fit (a page does), as one string would.
            std::string head = r.head();
            FCGX_PutStr(head.data(), static_cast<int>(head.size()), fcgx.request.out);
            if (!var.head()) FCGX_PutStr(r.body.data(), static_cast<int>(r.body.size()), fcgx.request.out);
        }
        FCGX_Finish_r(&fcgx.request);
        after_response(*app, r.deliver_mail);
    }
    return 0;
}

}  // namespace auth
