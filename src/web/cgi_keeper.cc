#include "web/cgi_keeper.hh"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <string_view>

#include "core/validate.hh"

namespace auth {

namespace {

// Below this many processes for the user (ulimit -u) the keeper is left
// out: it doubles the processes of the requests in flight, and a host
// that counts them that closely would refuse Apache's next CGI instead.
constexpr rlim_t kFewProcesses = 1024;

// Whether the process that started this one lets the kernel reap its
// children at once (SIGCHLD ignored, in SigIgn of /proc/PID/status), as
// mod_cgid's daemon does. Only then is a process out of the table as it
// ends, which is what Apache looks for; and only then is the keeper,
// its child too, reaped without anyone's help.
bool parent_reaps_at_once() {
    char path[40] = "/proc/";
    auto [end, ec] = std::to_chars(path + 6, path + sizeof path - 8, getppid());
    if (ec != std::errc()) return false;
    std::memcpy(end, "/status", 8);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    char buf[2048];
    ssize_t n = read(fd, buf, sizeof buf);
    close(fd);
    if (n <= 0) return false;
    std::string_view status(buf, static_cast<std::size_t>(n));
    auto at = status.find("\nSigIgn:\t");
    if (at == std::string_view::npos) return false;
    std::uint64_t ignored = 0;
    const char* first = status.data() + at + 9;
    if (std::from_chars(first, status.data() + status.size(), ignored, 16).ec != std::errc()) return false;
    return (ignored >> (SIGCHLD - 1)) & 1;
}

[[noreturn]] void keep(pid_t program, int program_fd) {
    // The answer's socket stays open through fd 1 (under mod_cgid fd 0 is
    // the same socket); nothing else is open this early but stderr.
    close(0);
    // Readable once the program has ended, however it ended (_Exit, a
    // crash, Apache's SIGTERM or SIGKILL).
    pollfd ended{program_fd, POLLIN, 0};
    while (poll(&ended, 1, -1) < 0 && errno == EINTR) {
    }
    // It is readable from the program's last steps in the kernel: let it
    // finish them, then give up waiting (at most about 0.2 s: Apache waits
    // only 10 ms first).
    auto there = [program] { return kill(program, 0) == 0; };
    for (int i = 0; i < 64 && there(); ++i) sched_yield();
    struct timespec tick = {0, 100 * 1000};
    for (int i = 0; i < 1000 && there(); ++i) nanosleep(&tick, nullptr);
    _exit(0);
}

// Whether the client keeps the connection for another request (HTTP/1.1
// unless it says "Connection: close"; HTTP/1.0 only if it asks): only
// then does Apache's wait hold anyone up, and the keeper costs a fraction
// of a millisecond.
bool connection_kept() {
    const char* header = std::getenv("HTTP_CONNECTION");
    const std::string connection = ascii_lower(header ? header : "");
    const char* protocol = std::getenv("SERVER_PROTOCOL");
    if (protocol && std::string_view(protocol) == "HTTP/1.1") return connection.find("close") == std::string::npos;
    return connection.find("keep-alive") != std::string::npos;
}

}  // namespace

void keep_cgi_socket_until_exit() {
    struct stat st;
    if (fstat(1, &st) != 0 || !S_ISSOCK(st.st_mode) || !connection_kept() || !parent_reaps_at_once()) return;
    struct rlimit nproc;
    if (getrlimit(RLIMIT_NPROC, &nproc) == 0 && nproc.rlim_cur < kFewProcesses) return;
    const pid_t self = getpid();
    // A pidfd of this process, for the keeper to wait on (Linux 5.3).
    const int self_fd = static_cast<int>(syscall(SYS_pidfd_open, self, 0));
    if (self_fd < 0) return;
    // The keeper is a sibling, the web server's child like this process
    // (CLONE_PARENT), so that it is reaped as it ends, not left to init.
    // Otherwise a fork: a copy that runs only keep(), which uses no libc
    // state a fork would have to reset.
    const long pid = syscall(SYS_clone, CLONE_PARENT, nullptr, nullptr, nullptr, nullptr);
    if (pid == 0) keep(self, self_fd);
    close(self_fd);
}

}  // namespace auth
