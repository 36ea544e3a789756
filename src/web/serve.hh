// The FastCGI accept loop (or one plain CGI request): CGI variables and body
// -> Request -> page -> Response. Configuration and the database are opened
// before the first accept; a bad key stops the program with one log line. An
// exception inside a page becomes a logged 500 page and the loop goes on.
#pragma once
#include <cstddef>
#include <functional>
#include <map>
#include <string>

#include "web/http.hh"
#include "web/request_parser.hh"

namespace auth {

class App;

using Handler = std::function<Response(const Request&, App&)>;

struct PageProgram {
    Handler handler;
    std::size_t max_body = kDefaultMaxBody;
    // Other limits for some routes (e.g. an upload): exact site path ->
    // bytes. A POST to any other path gets max_body.
    std::map<std::string, std::size_t> route_max_body = {};
};

// main() of every page program.
int serve(const PageProgram& program, int argc, char** argv);

// One request through parsing, the page and the error mapping; returns
// the finished response (headers added). Tests call this directly.
Response handle(App& app, const PageProgram& program, const CgiEnv& env, const BodyReader& read_body);

}  // namespace auth
