#pragma once

namespace auth {

// Plain CGI under Apache's mod_cgid: a request's stdin and stdout are one
// Unix socket, and when Apache has read it to the end it sends SIGTERM to
// the program and, if the program is still in the process table, sleeps
// 10 ms before it looks again (then 20, 40, ... up to 3 s), holding the
// keep-alive connection meanwhile. A program ending with _Exit is still
// being taken apart by the kernel when that check comes (the socket is
// closed as it ends), so nearly every request paid the 10 ms.
//
// This forks a small keeper that holds the socket until this process has
// left the process table, so Apache reads the end of the answer only then
// and finds nothing to wait for. Apache's timeouts are untouched: it still
// signals this process, and the keeper follows it out. Called first thing;
// does nothing when stdout is not a socket (mod_cgi, lighttpd: pipes) or
// when the fork fails.
void keep_cgi_socket_until_exit();

}  // namespace auth
