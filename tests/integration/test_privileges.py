"""Never as root: no page program runs as uid 0 (or gid 0), on every server.

Started by root (as ./dev test is in CI), lighttpd drops to its
server.username and Apache to its User before they run a program; started by
another user, everything runs as that user. The test reads the ids of the
running page programs from /proc (no endpoint of the site tells them): the
FastCGI processes after a request to each page, and for plain CGI, where a
process lives for one request, one held open by a body that has not all
arrived yet."""

import base64
import os
import pwd
import socket
import time

from harness import ADMIN_PASSWORD, ADMIN_USER, PROGRAMS, check, check_status, web_user

PAGES = {"auth-home": "/", "auth-register": "/register", "auth-login": "/login", "auth-logout": "/logout",
         "auth-profile": "/profile", "auth-reset": "/reset", "auth-admin": "/admin"}
# /admin is behind the server's own authentication (the harness turns it on).
ADMIN_AUTH = {"Authorization": "Basic " + base64.b64encode(f"{ADMIN_USER}:{ADMIN_PASSWORD}".encode()).decode()}


def _ids(pid: int) -> tuple[list[int], list[int]] | None:
    """(real, effective, saved, fs) uids and gids of a process, None if it is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            lines = f.read().splitlines()
    except OSError:
        return None
    fields = {k: v.split() for k, _, v in (line.partition(":") for line in lines)}
    return [int(x) for x in fields["Uid"]], [int(x) for x in fields["Gid"]]


def _held_request(s):
    """A POST /login whose body is announced but not all sent: the program
    (a CGI process too) is running while the socket stays open."""
    raw = socket.create_connection((s.host, s.port), timeout=10)
    conn = s.ssl_context().wrap_socket(raw, server_hostname=s.host) if s.https else raw
    conn.sendall(f"POST /login HTTP/1.1\r\nHost: {s.host}:{s.port}\r\n"
                 "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 200\r\n\r\nemail=".encode())
    return conn


def test_no_page_program_runs_as_root(ctx):
    s = ctx.server
    c = s.client()
    for path in PAGES.values():
        check_status(c.get(path, headers=ADMIN_AUTH if path == "/admin" else None), (200, 303), f"GET {path}")
    seen: dict[int, tuple[str, list[int], list[int]]] = {}

    def look() -> None:
        for program in PAGES:
            for pid in s.program_pids(program):
                ids = _ids(pid)
                if ids:
                    seen[pid] = (program, *ids)

    held = _held_request(s)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            look()
            if any(p == "auth-login" for p, _, _ in seen.values()):
                break
            time.sleep(0.05)
    finally:
        held.close()
    check(any(p == "auth-login" for p, _, _ in seen.values()),
          f"no auth-login process found during a request on {s.kind}")
    if s.long_lived_programs:
        missing = [p for p in PAGES if p in PROGRAMS + ("auth-reset", "auth-admin") and p not in {q for q, _, _ in seen.values()}]
        check(not missing, f"no running process of {missing} after a request to each page")

    if os.geteuid() == 0:
        user = web_user()[0]
        expected = pwd.getpwnam(user).pw_uid
        why = f"the tests run as root: the server must run the programs as {user}"
    else:
        expected = os.getuid()
        why = "the tests run as this user, so the programs run as it"
    for pid, (program, uids, gids) in sorted(seen.items()):
        check(0 not in uids, f"{program} (pid {pid}) runs with uid 0: uids {uids}")
        check(0 not in gids, f"{program} (pid {pid}) runs with gid 0: gids {gids}")
        check(set(uids) == {expected}, f"{program} (pid {pid}) runs as uids {uids}, expected {expected} ({why})")
    ctx.note(f"{len(seen)} page processes on {s.kind}, all uid {expected}")

    if s.kind == "lighttpd" and s.proc is not None:
        # lighttpd itself drops its privileges too (Apache's parent stays
        # root by design and never runs a program).
        ids = _ids(s.proc.pid)
        check(ids is not None and 0 not in ids[0], f"lighttpd runs with uids {ids and ids[0]}")
