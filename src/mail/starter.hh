// Starts a delivery run (sessionauth-deliver) after a response, so that
// no page waits for SMTP and no page program links an SMTP or TLS library.
//
// The run is a fresh process (posix_spawn): no database handle and no
// FastCGI socket of ours, stdin and stdout on /dev/null (a CGI request is
// over for the web server when our stdout closes), stderr kept for the
// error log, and a session of its own, so that the web server's clean-up of
// a CGI request (SIGTERM, then SIGKILL) does not reach it. Its environment
// is built here: AUTH_ENV and the configuration keys of ours, none of the
// request's variables.
//
// MAIL_DELIVERY=cron starts nothing: cron runs the same program.
#pragma once
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace auth {

struct Config;
class Outbox;

class DeliveryStarter {
public:
    DeliveryStarter(const Config& config, Outbox& outbox);
    DeliveryStarter(const DeliveryStarter&) = delete;
    DeliveryStarter& operator=(const DeliveryStarter&) = delete;

    // After a response: starts a run when the request queued mail (the
    // outbox knows), or must look as if it might have (`queued`: a reset
    // request for an address without an account), or when mail is due (a
    // retry) and this process has not looked for half a minute.
    void after_response(bool queued);

    // The program started, and its environment ("KEY=value").
    const std::string& program() const { return program_; }
    const std::vector<std::string>& environment() const;

private:
    void start();

    Outbox& outbox_;
    bool enabled_;
    std::string program_;
    std::string env_file_;
    // Made from ours at the first start, not with every process: a
    // plain-CGI process seldom starts a run, and sifting the request's
    // environment cost it a tenth of its instructions.
    mutable std::vector<std::string> env_;
    mutable bool env_made_ = false;
    std::vector<pid_t> children_;  // reaped as they end
    std::int64_t next_look_ = 0;   // steady seconds
};

}  // namespace auth
