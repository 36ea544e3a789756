// The FastCGI accept loop (or one plain CGI request): CGI variables and body
// -> Request -> page -> Response. Configuration and the database are opened
// before the first accept; a bad key stops the program with one log line. An
// exception inside a page becomes a logged 500 page and the loop goes on.
#pragma once
#include "web/http.hh"
#include "web/request_parser.hh"
#include "web/routes.hh"

namespace auth {

class App;

// main() of every page program.
int serve(const Program& program, int argc, char** argv);

// One request through parsing, the route table and the error mapping;
// returns the finished response (headers added). Tests call this directly.
Response handle(App& app, const Program& program, const CgiVariables& var, const BodyReader& read_body);
// The same from a map of the variables (tests, bench/request_cost).
Response handle(App& app, const Program& program, const CgiEnv& env, const BodyReader& read_body);

// After a response is finished: sends due mail (or runs the same step when
// `deliver_mail`), and now and then the housekeeping. Never throws.
void after_response(App& app, bool deliver_mail = false);

}  // namespace auth
