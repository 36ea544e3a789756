// Tests for the plain-CGI socket keeper (web/cgi_keeper.hh): a program
// whose stdout is a socket, as under Apache's mod_cgid, is out of the
// process table by the time the socket reads as closed, however it ends;
// with a pipe for stdout (mod_cgi, lighttpd) nothing is forked.
#include <cppunit/extensions/HelperMacros.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <fstream>
#include <sstream>
#include <string>

#include "web/cgi_keeper.hh"

namespace {

// What the program read from the other end up to end of file; "(hung)" if
// that did not come within `seconds` (a guard against a test that never
// ends, not a measure of time).
std::string read_to_end(int fd, int seconds = 10) {
    std::string out;
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
        if (left.count() <= 0) return out + "(hung)";
        pollfd p{fd, POLLIN, 0};
        if (poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
        char buf[256];
        ssize_t n = read(fd, buf, sizeof buf);
        if (n <= 0) return out;
        out.append(buf, static_cast<std::size_t>(n));
    }
}

// The children the calling process has, as the kernel lists them.
std::string children_of_self() {
    std::ifstream f("/proc/self/task/" + std::to_string(getpid()) + "/children");
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
}

enum class End { exit, killed };

// A child with `out` as its stdin and stdout that calls the keeper, writes
// what children it has, then ends (or waits to be killed). Returns its pid.
pid_t program(int out, End end) {
    pid_t pid = fork();
    if (pid != 0) return pid;
    dup2(out, 0);
    dup2(out, 1);
    if (out > 1) close(out);
    auth::keep_cgi_socket_until_exit();
    std::string kids = children_of_self().empty() ? "no keeper\n" : "keeper\n";
    if (write(1, kids.data(), kids.size()) < 0) _exit(1);
    if (end == End::killed)
        for (;;) pause();
    _exit(0);
}

bool gone(pid_t pid) { return kill(pid, 0) != 0 && errno == ESRCH; }

// SIGCHLD ignored while it lives, as in mod_cgid's daemon: the kernel reaps
// ended children at once.
struct ReapedAtOnce {
    struct sigaction before {};
    ReapedAtOnce() {
        struct sigaction ignore {};
        ignore.sa_handler = SIG_IGN;
        sigaction(SIGCHLD, &ignore, &before);
    }
    ~ReapedAtOnce() { sigaction(SIGCHLD, &before, nullptr); }
};

}  // namespace

class CgiKeeperTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(CgiKeeperTest);
    CPPUNIT_TEST(a_program_that_ends_is_gone_when_its_socket_closes);
    CPPUNIT_TEST(a_killed_program_is_gone_when_its_socket_closes);
    CPPUNIT_TEST(a_program_left_unreaped_does_not_hold_the_socket);
    CPPUNIT_TEST(with_a_pipe_for_stdout_nothing_is_forked);
    CPPUNIT_TEST_SUITE_END();

public:
    void a_program_that_ends_is_gone_when_its_socket_closes() {
        ReapedAtOnce reaped;
        // Many times: the race it closes is one of microseconds.
        for (int i = 0; i < 50; ++i) {
            int sv[2];
            CPPUNIT_ASSERT_EQUAL(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
            pid_t pid = program(sv[1], End::exit);
            close(sv[1]);
            CPPUNIT_ASSERT(pid > 0);
            CPPUNIT_ASSERT_EQUAL(std::string("keeper\n"), read_to_end(sv[0]));
            CPPUNIT_ASSERT_MESSAGE("round " + std::to_string(i), gone(pid));
            close(sv[0]);
        }
    }

    void a_killed_program_is_gone_when_its_socket_closes() {
        ReapedAtOnce reaped;
        int sv[2];
        CPPUNIT_ASSERT_EQUAL(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
        pid_t pid = program(sv[1], End::killed);
        close(sv[1]);
        char buf[16];
        CPPUNIT_ASSERT_EQUAL(ssize_t{7}, read(sv[0], buf, sizeof buf));  // "keeper\n": it is waiting now
        kill(pid, SIGKILL);  // what Apache does to a program that hangs
        CPPUNIT_ASSERT_EQUAL(std::string(), read_to_end(sv[0]));
        CPPUNIT_ASSERT(gone(pid));
        close(sv[0]);
    }

    void a_program_left_unreaped_does_not_hold_the_socket() {
        // A server that reaps its children only after reading the answer
        // to the end: the program stays a zombie until then, and the keeper
        // must not wait for it to go.
        int sv[2];
        CPPUNIT_ASSERT_EQUAL(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
        pid_t pid = program(sv[1], End::exit);
        close(sv[1]);
        CPPUNIT_ASSERT_EQUAL(std::string("keeper\n"), read_to_end(sv[0]));
        int status = 0;
        CPPUNIT_ASSERT_EQUAL(pid, waitpid(pid, &status, 0));
        CPPUNIT_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        close(sv[0]);
    }

    void with_a_pipe_for_stdout_nothing_is_forked() {
        int p[2];
        CPPUNIT_ASSERT_EQUAL(0, pipe2(p, O_CLOEXEC));
        pid_t pid = program(p[1], End::exit);
        close(p[1]);
        CPPUNIT_ASSERT_EQUAL(std::string("no keeper\n"), read_to_end(p[0]));
        int status = 0;
        CPPUNIT_ASSERT_EQUAL(pid, waitpid(pid, &status, 0));
        close(p[0]);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(CgiKeeperTest);
