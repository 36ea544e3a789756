// What one request costs the site's own code, in instructions: N requests
// through auth::handle (parsing, the route table, identifying the visitor,
// the page, its template, the headers) against a temporary database, for
// ./dev bench to run under callgrind twice (N and 0 requests), so that the
// difference divided by N is the cost of one, start-up left out. libfcgi is
// not in it (the FastCGI control in run_bench.py measures that side).
//
//   request_cost TEMPLATE_DIR DATA_DIR N [PATH]     PATH: /profile (default), /login
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <unistd.h>

#include "core/clock.hh"
#include "core/config.hh"
#include "core/crypto.hh"
#include "pages/pages.hh"
#include "web/app.hh"
#include "web/serve.hh"

int main(int argc, char** argv) {
    if (argc < 4) {
        std::fprintf(stderr, "usage: request_cost TEMPLATE_DIR DATA_DIR N [PATH]\n");
        return 2;
    }
    std::string path = argc > 4 ? argv[4] : "/profile";
    long n = std::atol(argv[3]);
    auth::crypto_init();
    std::string dir = std::filesystem::temp_directory_path() / ("request-cost-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir);

    std::map<std::string, std::string> file = {
        {"SECRET_KEY", auth::random_token(32)}, {"BASE_URL", "http://127.0.0.1:8080"},
        {"MAIL_SERVER", "127.0.0.1"},          {"MAIL_FROM", "bench@example.test"},
        {"DATABASE_PATH", dir + "/bench.sqlite"}, {"TEMPLATE_DIR", argv[1]},
        {"DATA_DIR", argv[2]},                 {"MAIL_PORT", "25"},
        {"MAIL_DELIVERY", "cron"},  // these requests queue no mail; nothing is started
    };
    auth::Config config = auth::make_config(file, [](const std::string&) { return std::nullopt; });
    auth::App app(config, std::make_unique<auth::SystemClock>());

    auto id = app.store().users().create("bench@example.test", "Bench Person", app.hasher.hash("a fine long passphrase"),
                                         app.clock().now());
    std::string session = app.store().sessions().create(*id, "127.0.0.1", "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0");
    std::string secret = auth::random_token(32);
    auth::CgiEnv env = {{"REQUEST_METHOD", "GET"},
                        {"REQUEST_URI", path},
                        {"QUERY_STRING", ""},
                        {"REMOTE_ADDR", "127.0.0.1"},
                        {"HTTP_USER_AGENT", "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0"},
                        {"HTTP_COOKIE", "sid=" + session + "; csrf=" + secret}};
    const auth::Program& program = path == "/login" ? pages::kLogin : pages::kProfile;
    auth::BodyReader no_body = [](std::size_t) { return std::string(); };

    // One request before counting starts: templates loaded, statements prepared.
    auth::Response first = auth::handle(app, program, env, no_body);
    if (first.status != 200) {
        std::fprintf(stderr, "request_cost: GET %s answered %d, not 200\n", path.c_str(), first.status);
        return 1;
    }
    std::size_t bytes = 0;
    for (long i = 0; i < n; ++i) bytes += auth::handle(app, program, env, no_body).serialize().size();
    std::printf("%ld requests, %zu bytes\n", n, bytes);
    std::filesystem::remove_all(dir);
    return 0;
}
