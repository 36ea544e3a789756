#include "web/cgi_keeper.hh"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <ctime>

namespace auth {

namespace {

// Whether `pid` is still in the process table and not a zombie. A server
// that reaps its CGI children itself (not mod_cgid, whose daemon ignores
// SIGCHLD so the kernel reaps at once) keeps a zombie until it has read
// the answer to the end, which would be never if the keeper waited for it.
bool still_running(pid_t pid) {
    if (kill(pid, 0) != 0) return false;
    char path[32];
    std::snprintf(path, sizeof path, "/proc/%d/stat", static_cast<int>(pid));
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    char buf[128];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return false;
    buf[n] = '\0';
    // "pid (comm) S ...": the state follows the last ')'.
    const char* p = nullptr;
    for (ssize_t i = n - 1; i >= 0; --i)
        if (buf[i] == ')') {
            p = buf + i;
            break;
        }
    return p && p[1] == ' ' && p[2] != 'Z' && p[2] != 'X';
}

[[noreturn]] void keep(pid_t parent) {
    // The kernel signals the keeper as the parent ends, however it ends
    // (_Exit, a crash, Apache's SIGTERM or SIGKILL). Every signal stays
    // blocked: the keeper only waits for that one.
    sigset_t death;
    sigemptyset(&death);
    sigaddset(&death, SIGUSR1);
    if (prctl(PR_SET_PDEATHSIG, SIGUSR1) != 0 || getppid() != parent) _exit(0);
    // The answer's socket stays open through fd 1 (under mod_cgid fd 0 is
    // the same socket); nothing else is open this early but stderr.
    close(0);
    while (sigwaitinfo(&death, nullptr) < 0 && errno == EINTR) {
    }
    // The signal comes from the parent's last steps in the kernel; let it
    // finish them (at most 0.1 s, then give up waiting: Apache only waits
    // the 10 ms then).
    for (int i = 0; i < 64 && still_running(parent); ++i) sched_yield();
    struct timespec tick = {0, 100 * 1000};
    for (int i = 0; i < 1000 && still_running(parent); ++i) nanosleep(&tick, nullptr);
    _exit(0);
}

}  // namespace

void keep_cgi_socket_until_exit() {
    struct stat st;
    if (fstat(1, &st) != 0 || !S_ISSOCK(st.st_mode)) return;
    const pid_t self = getpid();
    // The keeper must start with every signal blocked, so that the death
    // signal cannot end it before it waits: block here across the fork.
    sigset_t all, before;
    sigfillset(&all);
    if (sigprocmask(SIG_BLOCK, &all, &before) != 0) return;
    pid_t pid = fork();
    if (pid == 0) keep(self);
    sigprocmask(SIG_SETMASK, &before, nullptr);
}

}  // namespace auth
