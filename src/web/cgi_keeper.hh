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
// This starts a small keeper, a copy of this process and like it a child
// of the web server, that holds the socket until this process has left
// the process table, so Apache reads the end of the answer only then and
// finds nothing to wait for. Apache's timeouts are untouched: it still
// signals this process, and the keeper follows it out. Called first
// thing, before the settings (and their secrets) are read. Does nothing
// when stdout is not a socket (mod_cgi, lighttpd: pipes), when the client
// does not keep the connection (nobody waits then), when the server
// does not let the kernel reap its children at once (the keeper would
// wait for nothing, and be left to it), when the user may have only a few
// processes (ulimit -u under 1024), or when starting it fails.
void keep_cgi_socket_until_exit();

}  // namespace auth
