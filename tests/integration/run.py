#!/usr/bin/env python3
"""Black-box integration tests of sessionauth against a real web server.

    python3 tests/integration/run.py --root ROOT --build BUILD --server lighttpd|apache|apache-cgi
                                     [--https] [-k WORD] [-x WORD]... [--keep] [--list]

Starts the site from the programs already built in BUILD (nothing is built
here), runs every test_* function of the test_*.py modules beside this file,
prints "ok   name", "FAIL name: reason" or "skip name: reason" (a test that
does not apply to this web server) for each, and ends with the line
"N passed, N failed". Exits 1 if a test failed, 2 on a usage error.

--postgres DIR runs the servers on PostgreSQL, in the throwaway cluster
tests/pg/cluster.sh made in DIR, and the modules of POSTGRES_MODULES only:
two nodes sharing one database, and PostgreSQL restarted under load.

--https serves the site over https (BASE_URL https://127.0.0.1:port, a
certificate of a CA the run makes) with the plain http port redirecting
there, as the shipped configurations do for an https BASE_URL, and runs the
modules of HTTPS_MODULES only: those that meet what https changes (cookies,
headers, links in mails, redirects), not the whole suite a second time.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import signal
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # no __pycache__ in the source tree

import harness  # noqa: E402

MODULES = (
    "test_routes",
    "test_errors",
    "test_headers",
    "test_bad_input",
    "test_throttle",
    "test_concurrency",
    "test_races",  # requests released together against the throttle, a password change, a reset (servers of their own)
    "test_timeouts",
    "test_reset",
    "test_signup",  # sign-up confirmed by mail, with the shipped defaults (a server and maildev of its own)
    "test_two_factor",  # TOTP codes computed here (a server of its own)
    "test_passkeys",  # the routes of auth-passkey and its refusals
    "test_link_limit",  # TRUSTED_PROXIES, and 429 after 20 bad links from one address (a server of its own)
    "test_profile",  # picture, email change, sessions, notices (a server and maildev of its own for mail)
    "test_account_data",  # deletion (every table read after it), the data download, activity, privacy, event lines
    "test_mail",  # sessionauth-deliver: killed mid-send, STARTTLS and implicit TLS, a flood (lighttpd; servers of its own)
    "test_load",  # 32 browsers, SIGKILLs, the SMTP server down (servers of its own)
    "test_https",  # http -> https redirects and HSTS (over https; over http: none of it)
    "test_privileges",  # no page program runs as root
    "test_logs",  # no link tokens in any log (a server of its own, stopped to read its logs)
    "test_admin",  # /admin behind the server's authentication (a server and maildev of its own)
    "test_health",  # last: looks back over the whole run
)
# The run on PostgreSQL (--postgres): two nodes sharing one database, and
# the load-and-fault test with PostgreSQL restarted midway. A focused run,
# not the whole suite again: the pages behave the same on either database
# (the unit tests run on both), what PostgreSQL changes is several nodes.
POSTGRES_MODULES = ("test_two_nodes",)
# The run over https (--https): what https changes, in about a third of the time.
HTTPS_MODULES = ("test_routes", "test_errors", "test_headers", "test_reset", "test_profile", "test_account_data", "test_https",
                 "test_privileges", "test_logs", "test_health")


class Context:
    """What every test gets: the shared server and a way to start others."""

    def __init__(self, args, server_cls):
        self.args = args
        self.server_cls = server_cls
        self.server: harness.Server | None = None
        self._extra: list[harness.Server] = []
        self._shared: dict[str, harness.Server] = {}
        self.initial_pids: dict[str, list[int]] = {}

    def note(self, text: str) -> None:
        """A detail worth seeing with -v (not a result line)."""
        if self.args.verbose:
            print(f"#   {text}", flush=True)

    def make_server(self, label: str, env: dict | None = None, max_procs: int = 2,
                    admin_area: bool = True) -> harness.Server:
        if self.args.postgres and not (env or {}).get("DATABASE_URL"):
            env = dict(env or {}, DATABASE_URL=self.postgres_schema(label))
        return self.server_cls(self.args.root, self.args.build, label=label, env=env, max_procs=max_procs,
                               keep=self.args.keep, https=self.args.https, bundle=self.args.bundle,
                               admin_area=admin_area)

    def postgres_schema(self, label: str) -> str:
        """A fresh schema in the test cluster (--postgres), for one server or
        for several nodes that share it; its DATABASE_URL."""
        base = open(os.path.join(self.args.postgres, "url")).read().strip()
        name = "it_" + "".join(ch if ch.isalnum() else "_" for ch in label.lower()) + "_" + os.urandom(4).hex()
        db = harness.PgDb(base)
        try:
            db.execute(f"CREATE SCHEMA {name}")
        finally:
            db.close()
        return f"{base} options='-c search_path={name}'"

    def restart_postgres(self) -> None:
        """pg_ctl restart -m fast on the test cluster."""
        import subprocess
        subprocess.run([os.path.join(self.args.root, "tests", "pg", "cluster.sh"), "restart", self.args.postgres],
                       check=True, timeout=120)

    def start_main(self) -> None:
        self.server = self.make_server("main")
        self._extra.append(self.server)
        self.server.start()
        self.initial_pids = {p: sorted(self.server.program_pids(p)) for p in harness.PROGRAMS}

    @contextlib.contextmanager
    def separate_server(self, label: str, env: dict | None = None, max_procs: int = 2, admin_area: bool = True):
        """A server of its own (its own database and settings) for one test;
        admin_area=False: with the admin area left off, as shipped."""
        srv = self.make_server(label, env, max_procs, admin_area)
        self._extra.append(srv)
        try:
            srv.start()
            yield srv
        finally:
            srv.stop()
            self._extra.remove(srv)

    def shared_server(self, label: str, env: dict | None = None, max_procs: int = 2) -> harness.Server:
        """A server of its own that several tests share; stopped at the end of the run."""
        if label not in self._shared:
            srv = self.make_server(label, env, max_procs)
            self._extra.append(srv)
            srv.start()  # a failed start is retried by the next test that asks
            self._shared[label] = srv
        return self._shared[label]

    def stop_all(self) -> None:
        while self._extra:
            srv = self._extra.pop()
            try:
                srv.stop()
            except Exception as e:  # keep stopping the others
                print(f"warning: could not stop {srv.label}: {e}", file=sys.stderr)


def collect(pattern: str | None, leave_out: list[str] | None = None, https: bool = False, postgres: bool = False):
    tests = []
    for name in POSTGRES_MODULES if postgres else HTTPS_MODULES if https else MODULES:
        module = importlib.import_module(name)
        for attr, fn in vars(module).items():
            if attr.startswith("test_") and callable(fn):
                full = f"{name[5:]}.{attr[5:]}"
                if (pattern and pattern not in full) or any(word in full for word in leave_out or ()):
                    continue
                tests.append((full, fn))
    return tests


def reason_of(exc: BaseException) -> str:
    if isinstance(exc, AssertionError):
        text = str(exc) or "assertion failed"
    else:
        tb = traceback.extract_tb(exc.__traceback__)
        where = f" at {os.path.basename(tb[-1].filename)}:{tb[-1].lineno}" if tb else ""
        text = f"{type(exc).__name__}: {exc}{where}"
    return " ".join(text.split())[:1000]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", required=True, help="the source checkout (templates/, data/, htdocs/, etc/)")
    parser.add_argument("--build", required=True, help="the build directory holding auth-* and sessionauth-admin")
    parser.add_argument("--server", default="lighttpd",
                        help="lighttpd; apache (mod_fcgid) or apache-cgi (mod_cgid), both through the shipped .htaccess")
    parser.add_argument("--https", action="store_true",
                        help="serve over https (a test CA), plain http redirecting; the modules of HTTPS_MODULES")
    parser.add_argument("-k", dest="pattern", help="run only tests whose name contains this")
    parser.add_argument("-x", dest="leave_out", action="append", default=[],
                        help="leave out tests whose name contains this (repeatable)")
    parser.add_argument("--bundle", help="the upload bundle (make bundle: its .tar.gz or the folder it unpacks to): "
                        "the Apache servers stage the site with its stage-site.sh and programs instead of --build's")
    parser.add_argument("--postgres", metavar="DIR",
                        help="a test cluster of tests/pg/cluster.sh: every server on PostgreSQL (a schema each, or "
                             "shared by two nodes); the modules of POSTGRES_MODULES")
    parser.add_argument("--keep", action="store_true", help="keep the servers' temporary directories")
    parser.add_argument("-v", dest="verbose", action="store_true", help="print the tests' notes")
    parser.add_argument("--list", action="store_true", help="list the tests and exit")
    args = parser.parse_args(argv)

    server_cls = harness.server_class(args.server)
    if server_cls is None:
        planned = " (planned, not implemented yet)" if args.server in harness.PLANNED else ""
        print(f"run.py: unknown server {args.server!r}{planned}; known: {', '.join(harness.SERVERS)}", file=sys.stderr)
        return 2
    args.root = os.path.abspath(args.root)
    args.build = os.path.abspath(args.build)
    if args.postgres:
        args.postgres = os.path.abspath(args.postgres)
    if args.bundle:
        if args.server not in ("apache", "apache-cgi"):
            print("run.py: --bundle is for the Apache servers (the site they stage)", file=sys.stderr)
            return 2
        try:
            args.bundle = harness.unpacked_bundle(args.bundle)
        except harness.SetupError as e:
            print(f"run.py: {e}", file=sys.stderr)
            return 2

    tests = collect(args.pattern, args.leave_out, args.https, bool(args.postgres))
    if args.list:
        for name, _ in tests:
            print(name)
        return 0

    # SIGTERM (e.g. from a CI timeout) unwinds like Ctrl-C, so servers stop.
    def on_term(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, on_term)

    ctx = Context(args, server_cls)
    passed = failed = 0
    skipped: list[str] = []
    started = time.monotonic()
    try:
        try:
            ctx.start_main()
        except Exception as e:
            print(f"FAIL setup: {reason_of(e)}")
            failed = len(tests)
            tests = []
        else:
            plain = f" (plain http on {ctx.server.http_port})" if args.https else ""
            print(f"# {args.server} at {ctx.server.base_url}{plain}, files in {ctx.server.dir}", flush=True)
            if args.bundle:
                print(f"# programs from the bundle {args.bundle}", flush=True)
        for name, fn in tests:
            t0 = time.monotonic()
            try:
                fn(ctx)
            except KeyboardInterrupt:
                raise
            except harness.Skip as e:
                skipped.append(name)
                print(f"skip {name}: {e}", flush=True)
            except BaseException as e:  # noqa: BLE001 - every failure is reported, none stops the run
                failed += 1
                print(f"FAIL {name}: {reason_of(e)}", flush=True)
            else:
                passed += 1
                took = time.monotonic() - t0
                print(f"ok   {name}" + (f"  ({took:.1f} s)" if took >= 2 else ""), flush=True)
    except KeyboardInterrupt:
        print("interrupted", flush=True)
        failed += 1
    finally:
        ctx.stop_all()
    if skipped:
        print(f"# {len(skipped)} skipped on {args.server}: {', '.join(skipped)}")
    print(f"# {time.monotonic() - started:.1f} s")
    print(f"{passed} passed, {failed} failed", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
