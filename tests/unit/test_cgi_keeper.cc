// Tests for the plain-CGI socket keeper (web/cgi_keeper.hh). This test
// process plays the web server: it starts a "program" with a socket (as
// mod_cgid) or a pipe for stdin and stdout. Under a server that lets the
// kernel reap its children (SIGCHLD ignored, as mod_cgid's daemon) the
// program is out of the process table by the time the socket reads as
// closed, however it ends, and the keeper is the server's child, reaped
// too. Under a server that reaps its children itself, or with a pipe,
// nothing is started.
#include <cppunit/extensions/HelperMacros.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "web/cgi_keeper.hh"

namespace {

// What was read from the other end up to end of file; "(hung)" if that did
// not come within `seconds` (a guard against a test that never ends, not
// a measure of time).
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

// The children of this process (the thread the tests run in) that were
// not among `before` (other tests may have left some of their own).
std::vector<pid_t> my_children(const std::vector<pid_t>& before = {}) {
    std::ifstream f("/proc/self/task/" + std::to_string(gettid()) + "/children");
    std::vector<pid_t> out;
    pid_t pid;
    while (f >> pid)
        if (std::find(before.begin(), before.end(), pid) == before.end()) out.push_back(pid);
    return out;
}

// Until this process has `n` children besides `before`, for at most 10 s
// (a guard).
bool children_become(std::size_t n, const std::vector<pid_t>& before) {
    for (int i = 0; i < 1000; ++i) {
        if (my_children(before).size() == n) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
}

enum class End { exit, killed };

// A program with `io` as its stdin and stdout that calls the keeper,
// writes "ready", then ends (or waits to be killed). Its request came over
// HTTP/1.1 with `connection` as its Connection header (none if empty).
struct Program {
    pid_t pid = -1;
    Program(int io, End end, const char* connection = "") {
        pid = fork();
        if (pid != 0) return;
        setenv("SERVER_PROTOCOL", "HTTP/1.1", 1);
        if (*connection) setenv("HTTP_CONNECTION", connection, 1);
        else unsetenv("HTTP_CONNECTION");
        dup2(io, 0);
        dup2(io, 1);
        if (io > 1) close(io);
        auth::keep_cgi_socket_until_exit();
        if (write(1, "ready\n", 6) != 6) _exit(1);
        if (end == End::killed)
            for (;;) pause();
        _exit(0);
    }
    ~Program() {  // a test that failed half-way leaves nothing running
        for (pid_t child : my_children())
            if (child == pid) kill(pid, SIGKILL);
    }
    bool gone() const { return kill(pid, 0) != 0 && errno == ESRCH; }
};

// SIGCHLD ignored while it lives, as in mod_cgid's daemon: the kernel reaps
// ended children at once.
// (With `at_once` false: the default, the server reaps them itself.)
struct ReapedAtOnce {
    struct sigaction before {};
    explicit ReapedAtOnce(bool at_once = true) {
        struct sigaction how {};
        how.sa_handler = at_once ? SIG_IGN : SIG_DFL;
        sigaction(SIGCHLD, &how, &before);
    }
    ~ReapedAtOnce() { sigaction(SIGCHLD, &before, nullptr); }
};

struct Socket {
    int sv[2] = {-1, -1};
    Socket() { CPPUNIT_ASSERT_EQUAL(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv)); }
    ~Socket() {
        for (int fd : sv)
            if (fd >= 0) close(fd);
    }
    int server() const { return sv[0]; }
    int program_side() const { return sv[1]; }
    void close_program_side() { close(sv[1]), sv[1] = -1; }
};

}  // namespace

class CgiKeeperTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(CgiKeeperTest);
    CPPUNIT_TEST(a_program_that_ends_is_gone_when_its_socket_closes);
    CPPUNIT_TEST(a_killed_program_is_gone_when_its_socket_closes_and_the_keeper_is_reaped);
    CPPUNIT_TEST(a_server_that_reaps_itself_gets_no_keeper);
    CPPUNIT_TEST(with_a_pipe_for_stdout_nothing_is_started);
    CPPUNIT_TEST(a_connection_that_closes_gets_no_keeper);
    CPPUNIT_TEST_SUITE_END();

public:
    void a_program_that_ends_is_gone_when_its_socket_closes() {
        ReapedAtOnce reaped;
        const auto before = my_children();
        // Many times: the race it closes is one of microseconds.
        for (int i = 0; i < 50; ++i) {
            Socket s;
            Program p(s.program_side(), End::exit);
            s.close_program_side();
            CPPUNIT_ASSERT_EQUAL(std::string("ready\n"), read_to_end(s.server()));
            CPPUNIT_ASSERT_MESSAGE("round " + std::to_string(i), p.gone());
        }
        CPPUNIT_ASSERT(children_become(0, before));  // keepers too: nothing left to init
    }

    void a_killed_program_is_gone_when_its_socket_closes_and_the_keeper_is_reaped() {
        ReapedAtOnce reaped;
        const auto before = my_children();
        Socket s;
        Program p(s.program_side(), End::killed);
        s.close_program_side();
        char buf[16];
        CPPUNIT_ASSERT_EQUAL(ssize_t{6}, read(s.server(), buf, sizeof buf));  // "ready\n": it waits now
        // The keeper is the server's child, beside the program.
        CPPUNIT_ASSERT(children_become(2, before));
        kill(p.pid, SIGKILL);  // what Apache does to a program that hangs
        CPPUNIT_ASSERT_EQUAL(std::string(), read_to_end(s.server()));
        CPPUNIT_ASSERT(p.gone());
        CPPUNIT_ASSERT(children_become(0, before));
    }

    void a_server_that_reaps_itself_gets_no_keeper() {
        // SIGCHLD not ignored: the program stays a zombie until the server
        // reaps it, so a keeper could only wait for nothing.
        ReapedAtOnce reaped(false);
        const auto before = my_children();
        Socket s;
        Program p(s.program_side(), End::killed);
        s.close_program_side();
        char buf[16];
        CPPUNIT_ASSERT_EQUAL(ssize_t{6}, read(s.server(), buf, sizeof buf));
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, my_children(before).size());
        kill(p.pid, SIGKILL);
        int status = 0;
        CPPUNIT_ASSERT_EQUAL(p.pid, waitpid(p.pid, &status, 0));
        CPPUNIT_ASSERT_EQUAL(std::string(), read_to_end(s.server()));
    }

    void with_a_pipe_for_stdout_nothing_is_started() {
        ReapedAtOnce reaped;
        const auto before = my_children();
        int fds[2];
        CPPUNIT_ASSERT_EQUAL(0, pipe2(fds, O_CLOEXEC));
        Program p(fds[1], End::killed);
        close(fds[1]);
        char buf[16];
        CPPUNIT_ASSERT_EQUAL(ssize_t{6}, read(fds[0], buf, sizeof buf));
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, my_children(before).size());
        kill(p.pid, SIGKILL);
        CPPUNIT_ASSERT_EQUAL(std::string(), read_to_end(fds[0]));
        close(fds[0]);
    }

    void a_connection_that_closes_gets_no_keeper() {
        // Nobody waits for Apache's check then: the keeper would only cost.
        ReapedAtOnce reaped;
        const auto before = my_children();
        Socket s;
        Program p(s.program_side(), End::killed, "Close");
        s.close_program_side();
        char buf[16];
        CPPUNIT_ASSERT_EQUAL(ssize_t{6}, read(s.server(), buf, sizeof buf));
        CPPUNIT_ASSERT_EQUAL(std::size_t{1}, my_children(before).size());
        kill(p.pid, SIGKILL);
        CPPUNIT_ASSERT_EQUAL(std::string(), read_to_end(s.server()));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(CgiKeeperTest);
