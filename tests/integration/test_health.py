"""After everything else: the shared server's programs never died and never
answered with an internal error, and the database is sound."""

import re
import time

from harness import PROGRAMS, check, check_eq, skip

# lighttpd's and Apache's words for a program that died or broke a response.
SERVER_TROUBLE = re.compile(r"child (signalled|exited)|died|unexpected end-of-file|response not received|"
                            r"backend is overloaded|no fcgi-handler|"
                            r"End of script output before headers|Premature end of script headers|"
                            r"get unexpected signal|malformed header from script|can't apply process slot", re.I)
# The programs' own line for an exception turned into a 500 page, and for SQLITE_BUSY.
APP_TROUBLE = re.compile(r": error \S+ in |database busy|cannot start", re.I)


def test_no_process_died(ctx):
    s = ctx.server
    if s.kind != "lighttpd":
        skip("lighttpd starts a fixed set of FastCGI processes; mod_fcgid starts and retires them on demand "
             "and plain CGI runs one per request (a program that died shows in test_no_errors_logged)")
    now = {p: sorted(s.program_pids(p)) for p in PROGRAMS}
    changed = {p: (ctx.initial_pids.get(p), now[p]) for p in PROGRAMS if now[p] != ctx.initial_pids.get(p)}
    check(not changed, f"FastCGI processes were replaced during the run (before, after): {changed}")
    for p in PROGRAMS:
        check(now[p], f"{p} is running")


def test_no_cgi_process_left(ctx):
    """Plain CGI: every program ends with its request, and so does the
    keeper that holds its socket under mod_cgid until it is gone
    (src/web/cgi_keeper.hh). Nothing of the site is left running."""
    s = ctx.server
    if s.kind != "apache-cgi":
        skip("FastCGI processes live on by design")
    left = {}
    for _ in range(50):  # a request in flight ends within moments
        left = {p: s.program_pids(p) for p in PROGRAMS}
        left = {p: pids for p, pids in left.items() if pids}
        if not left:
            break
        time.sleep(0.1)
    check(not left, f"programs still running after every request has ended: {left}")


def test_no_errors_logged(ctx):
    log = ctx.server.log_text()
    trouble = [line for line in log.splitlines() if SERVER_TROUBLE.search(line) or APP_TROUBLE.search(line)]
    check(not trouble, f"{len(trouble)} error lines in {ctx.server.log_path}: {trouble[:5]}")


def test_database_sound(ctx):
    s = ctx.server
    check_eq(s.query("PRAGMA integrity_check")[0][0], "ok", "integrity_check")
    check_eq(s.query("PRAGMA journal_mode")[0][0].lower(), "wal", "journal_mode")
    orphans = s.query("SELECT count(*) AS n FROM sessions WHERE user_id NOT IN (SELECT id FROM users)")[0]["n"]
    check_eq(orphans, 0, "sessions without a user")


def test_failure_budget(ctx):
    """The shared server throttles an address after 20 failed logins in 15 minutes
    (src/store/throttle.hh); every test shares 127.0.0.1, so the suite must stay
    well below that or later logins fail with 429. Tests that need many failures
    run on servers of their own (test_throttle.py)."""
    n = ctx.server.query("SELECT count(*) AS n FROM login_failures WHERE client_ip = '127.0.0.1'")[0]["n"]
    ctx.note(f"{n} failed logins from 127.0.0.1 on the shared server")
    check(n <= 15, f"{n} failed logins from 127.0.0.1 on the shared server: move failing-login tests to a server of their own")
