#include "mail/delivery.hh"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>

#include "core/log.hh"
#include "mail/outbox.hh"

namespace auth {

void Delivery::run(bool always) {
    if (child_ > 0 && waitpid(child_, nullptr, WNOHANG) != 0) child_ = 0;
    if (!always && !outbox_.has_due()) return;
    if (use_child_)
        fork_and_send();
    else
        outbox_.deliver_due(mailer_);
}

void Delivery::fork_and_send() {
    if (child_ > 0) {
        if (waitpid(child_, nullptr, WNOHANG) == 0) return;  // still sending
        child_ = 0;
    }
    pid_t pid = fork();
    if (pid < 0) {
        log_line(std::string("cannot fork to deliver mail: ") + std::strerror(errno) + "; delivering in process");
        outbox_.deliver_due(mailer_);
        return;
    }
    if (pid > 0) {
        child_ = pid;
        return;
    }
    // The child: never touch the parent's database connection; _exit skips
    // every destructor that would.
    // Let go of the FastCGI listening socket (fd 0) at once: holding it, the
    // child would keep accepting connections into its backlog after the
    // parent died (a crash, a SIGKILL), and those requests would hang until
    // the child exits, then fail with 500 (seen in tests/integration/test_load.py).
    int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (devnull >= 0) {
        dup2(devnull, STDIN_FILENO);
        close(devnull);
    } else {
        close(STDIN_FILENO);
    }
    // Wait a moment first, so that the SMTP work (and the mail server's)
    // does not compete with the answer to the visitor's next request.
    usleep(1000 * 1000);
    int code = 0;
    try {
        in_child_(mailer_);
    } catch (const std::exception& e) {
        log_line(std::string("outbox delivery failed: ") + e.what());
        code = 1;
    }
    std::fflush(stderr);
    _exit(code);
}

}  // namespace auth
