"""Servers, an HTTP client and small helpers for the black-box integration tests.

Python 3.11 standard library only. Nothing here builds anything: the programs
come ready-built from the --build directory.

A Server owns a temporary directory with its env file, its SQLite database,
its web-server configuration and logs. Every process it starts is stopped by
PID (also the FastCGI programs the web server spawned, should the web server
leave any behind).
"""

from __future__ import annotations

import http.client
import itertools
import os
import re
import secrets
import shutil
import signal
import socket
import sqlite3
import ssl
import subprocess
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field

# Passed on to the programs when set (a sanitizer build's settings).
SANITIZER_ENV = ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS")
PROGRAMS = ("auth-home", "auth-register", "auth-login", "auth-logout", "auth-profile", "auth-passkey")
ADMIN = "sessionauth-admin"
# The admin area (/admin): every test server has it on (the "#admin# " lines
# of the lighttpd configuration and of cgi/.htaccess uncommented), unless
# made with admin_area=False (as shipped: off), with this password file (bcrypt, from htpasswd of apache2-utils), which
# holds a listed administrator and a name that ADMIN_USERS does not list.
ADMIN_USER, ADMIN_PASSWORD = "admin", "admin password 7Qx"
UNLISTED_USER, UNLISTED_PASSWORD = "visitor", "visitor password 3Kp"
HTPASSWD = "admin.htpasswd"


class TestFailure(AssertionError):
    """A check that did not hold; the message says what and why."""


class SetupError(RuntimeError):
    """A server could not be prepared or started."""


class Skip(Exception):
    """A test that does not apply to this web server; the message says why."""


def skip(reason: str) -> None:
    raise Skip(reason)


# --------------------------------------------------------------------------
# Checks (plain `assert` disappears under python -O)


def check(condition, message: str) -> None:
    if not condition:
        raise TestFailure(message)


def check_eq(actual, expected, what: str) -> None:
    if actual != expected:
        raise TestFailure(f"{what}: expected {expected!r}, got {actual!r}")


def check_in(needle, haystack, what: str) -> None:
    if needle not in haystack:
        shown = haystack if len(str(haystack)) < 300 else str(haystack)[:300] + "..."
        raise TestFailure(f"{what}: {needle!r} not found in {shown!r}")


def check_not_in(needle, haystack, what: str) -> None:
    if needle in haystack:
        raise TestFailure(f"{what}: {needle!r} should not be there")


def check_status(response, expected, what: str = "") -> None:
    allowed = expected if isinstance(expected, (set, tuple, list, range)) else (expected,)
    if response.status not in allowed:
        hint = response.summary()
        raise TestFailure(f"{what + ': ' if what else ''}status {response.status}, expected {expected!r} ({hint})")


# --------------------------------------------------------------------------
# Processes


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def _read(path: str) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return b""


def children_of(pid: int) -> list[int]:
    """PIDs whose parent is `pid` (one level)."""
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        stat = _read(f"/proc/{entry}/stat")
        if not stat:
            continue
        # pid (comm) state ppid ...; comm may hold spaces and parentheses
        rest = stat[stat.rfind(b")") + 2:].split()
        if len(rest) > 1 and int(rest[1]) == pid:
            out.append(int(entry))
    return out


def cmdline(pid: int) -> list[str]:
    raw = _read(f"/proc/{pid}/cmdline")
    return [p.decode(errors="replace") for p in raw.split(b"\0") if p]


def alive(pid: int) -> bool:
    stat = _read(f"/proc/{pid}/stat")
    if not stat:
        return False
    state = stat[stat.rfind(b")") + 2:].split()[0]
    return state != b"Z"


def descendants_of(pid: int) -> list[int]:
    """PIDs below `pid` (children, grandchildren, ...)."""
    out, todo = [], [pid]
    while todo:
        kids = children_of(todo.pop())
        out += kids
        todo += kids
    return out


def exe_of(pid: int) -> str:
    try:
        return os.readlink(f"/proc/{pid}/exe")
    except OSError:
        return ""


def terminate(proc: subprocess.Popen, grace: float) -> None:
    """Stops one process by its PID: SIGTERM, then SIGKILL after `grace` s."""
    if proc.poll() is not None:
        return
    try:
        os.kill(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def wait_until(probe, timeout: float, proc: subprocess.Popen | None = None, on_exit=None,
               interval: float = 0.1) -> str | None:
    """Calls probe() every `interval` s until it returns None (ready); returns
    None then, or after `timeout` s the last thing it said (a string; an
    OSError it raised counts as one). If `proc` ends first, calls on_exit(),
    which raises."""
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            if on_exit is not None:
                on_exit()
            raise SetupError(f"process {proc.pid} exited with {proc.returncode} at start")
        try:
            last = probe()
            if last is None:
                return None
        except OSError as e:
            last = str(e)
        time.sleep(interval)
    return last


def random_hex(nbytes: int) -> str:
    return secrets.token_hex(nbytes)


# --------------------------------------------------------------------------
# Servers


class PgDb:
    """A PostgreSQL connection (psycopg2, Debian's python3-psycopg2) that
    reads like sqlite3's: execute() with ? placeholders, rows by name or
    position, each statement committed."""

    def __init__(self, url: str):
        import psycopg2  # only the PostgreSQL runs need it
        import psycopg2.extras
        self._conn = psycopg2.connect(url)
        self._conn.autocommit = True
        self._factory = psycopg2.extras.DictCursor

    def execute(self, sql: str, params=()):
        cur = self._conn.cursor(cursor_factory=self._factory)
        if params:
            cur.execute(sql.replace("%", "%%").replace("?", "%s"), tuple(params))
        else:
            cur.execute(sql)
        return cur

    def close(self) -> None:
        self._conn.close()


class Server:
    """One running instance of the site: a web server, an env file, a database.

    Subclasses implement _write_config, _launch and _program_pids for one web
    server (with _write_conf and _spawn for the parts they share); the rest
    (env file, migration, readiness, stopping) is shared.
    """

    kind = "abstract"
    # The page programs are long-lived FastCGI processes (not one per request).
    long_lived_programs = True
    # The web server takes the whole declared request body before the program
    # answers (so a body that is announced but never sent waits for the client).
    waits_for_whole_body = False

    def __init__(self, root: str, build: str, label: str = "main", env: dict | None = None,
                 max_procs: int = 2, keep: bool = False, https: bool = False, bundle: str | None = None,
                 admin_area: bool = True):
        self.root = os.path.abspath(root)
        self.build = os.path.abspath(build)
        # An unpacked upload bundle (make bundle): the Apache servers stage
        # the site from it with its own stage-site.sh.
        self.bundle = bundle
        self.label = label
        self.env_overrides = dict(env or {})
        self.max_procs = max_procs
        self.keep = keep
        # Over https, BASE_URL is https://127.0.0.1:port (a certificate of a
        # test CA, made at start), and http_port answers plain http, which the
        # shipped configuration only redirects there.
        self.https = https
        # The admin area on (the "#admin# " lines uncommented) or, False, left
        # off as the shipped configurations are.
        self.admin_area = admin_area
        self.host = "127.0.0.1"
        # The host name BASE_URL gives (the browser tests: "localhost", which
        # WebAuthn takes as an RP ID); the server still listens on self.host.
        self.public_host = ""
        self.port = 0
        self.http_port = 0
        self.pki: dict = {}
        self._ssl: ssl.SSLContext | None = None
        self.dir = ""
        # Where the web server finds the programs and the shared files
        # (templates/, data/, htdocs/): the build and the checkout, or copies
        # in self.dir that the web user can reach (_prepare).
        self.programs_dir = self.build
        self.share_dir = self.root
        self.proc: subprocess.Popen | None = None
        self._known_children: set[int] = set()

    # -- what tests use
    @property
    def base_url(self) -> str:
        return f"{'https' if self.https else 'http'}://{self.public_host or self.host}:{self.port}"

    def ssl_context(self) -> ssl.SSLContext:
        """A client context that trusts the test CA only (and checks the name)."""
        if self._ssl is None:
            self._ssl = ssl.create_default_context(cafile=self.pki["ca"])
        return self._ssl

    def connection(self, timeout: float, source_address=None, plain: bool = False) -> http.client.HTTPConnection:
        """A connection to BASE_URL (plain: to the plain http port)."""
        if self.https and not plain:
            return http.client.HTTPSConnection(self.host, self.port, timeout=timeout, source_address=source_address,
                                               context=self.ssl_context())
        return http.client.HTTPConnection(self.host, self.http_port, timeout=timeout, source_address=source_address)

    @property
    def cookie_prefix(self) -> str:
        """What the site puts before its cookie names: __Host- over https
        (the site is at the root of the host here), nothing over http."""
        return "__Host-" if self.https else ""

    def url(self, path: str) -> str:
        return self.base_url + path

    @property
    def db_path(self) -> str:
        return os.path.join(self.dir, "sessionauth.sqlite")

    @property
    def env_path(self) -> str:
        return os.path.join(self.dir, "auth.env")

    @property
    def log_path(self) -> str:
        raise NotImplementedError

    def log_text(self) -> str:
        return _read(self.log_path).decode(errors="replace")

    def program_log_text(self) -> str:
        """The error log and the programs' stderr (server.stderr: where it
        goes under lighttpd), where the programs' lines and events are."""
        return self.log_text() + _read(os.path.join(self.dir, "server.stderr")).decode(errors="replace")

    def db(self):
        """The server's database: its SQLite file, or on PostgreSQL
        (DATABASE_URL among its settings) a connection with the same
        execute(sql, params) and rows by name or position."""
        if self.env_overrides.get("DATABASE_URL"):
            return PgDb(self.env_overrides["DATABASE_URL"])
        conn = sqlite3.connect(self.db_path, timeout=15)
        conn.row_factory = sqlite3.Row
        return conn

    def query(self, sql: str, params=()) -> list[sqlite3.Row]:
        conn = self.db()
        try:
            return conn.execute(sql, params).fetchall()
        finally:
            conn.close()

    def program_path(self, program: str) -> str:
        """The file the web server runs for one page program."""
        return os.path.join(self.programs_dir, program)

    def program_pids(self, program: str) -> list[int]:
        """PIDs of the running FastCGI (or CGI) processes of one page program."""
        return self._program_pids(self.program_path(program))

    def client(self) -> "Client":
        return Client(self)

    # -- lifecycle
    def start(self) -> "Server":
        for name in sorted(set(PROGRAMS + (ADMIN,) + self.required_programs())):
            path = os.path.join(self.build, name)
            if not os.access(path, os.X_OK):
                raise SetupError(f"{path} is missing or not executable: build first (make) in {self.build}")
        self.dir = tempfile.mkdtemp(prefix=f"sessionauth-it-{self.label}-")
        self.port = free_port(self.host)
        self.http_port = self.port
        if self.https:
            self.http_port = free_port(self.host)
            from tls_smtp import make_pki  # it imports this module
            self.pki = make_pki(os.path.join(self.dir, "pki"))
        self._prepare()
        self._write_env()
        self._migrate()
        self._write_config()
        self._launch()
        self._wait_ready()
        return self

    def stop(self) -> None:
        if self.proc is not None:
            self._known_children.update(children_of(self.proc.pid))
            terminate(self.proc, 10)
            self.proc = None
            # The web server normally ends its FastCGI children; make sure.
            deadline = time.monotonic() + 3
            leftovers = [p for p in self._known_children if self._ours(p)]
            while leftovers and time.monotonic() < deadline:
                time.sleep(0.1)
                leftovers = [p for p in leftovers if self._ours(p)]
            for p in leftovers:
                try:
                    os.kill(p, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        if self.dir and not self.keep:
            shutil.rmtree(self.dir, ignore_errors=True)

    def _ours(self, pid: int) -> bool:
        if not alive(pid):
            return False
        args = cmdline(pid)
        return bool(args) and args[0].startswith(self.programs_dir + os.sep)

    def _remember_children(self) -> None:
        if self.proc is not None:
            self._known_children.update(children_of(self.proc.pid))

    # -- shared steps
    def env_settings(self) -> dict:
        settings = {
            "SECRET_KEY": random_hex(32),
            "BASE_URL": self.base_url,
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": "1025",
            "MAIL_FROM": "noreply@sessionauth.test",
            "MAIL_STARTTLS": "False",
            "MAIL_SSL_TLS": "False",
            "DATABASE_PATH": self.db_path,
            "TEMPLATE_DIR": os.path.join(self.share_dir, "templates"),
            "DATA_DIR": os.path.join(self.share_dir, "data"),
            "ARGON2_OPSLIMIT": "2",
            "ARGON2_MEMLIMIT_KIB": "19456",
            # The modules that test what comes after sign-up make their
            # accounts at once (register() below), many from 127.0.0.1;
            # test_signup tests sign-up itself with the shipped defaults.
            "SIGNUP_CONFIRMATION": "False",
            "SIGNUP_MAX_PER_HOUR_PER_ADDRESS": "100000",
            # Many tests open bad links from 127.0.0.1 on one server; the
            # limit itself is tested on a server of its own (test_link_limit).
            "LINK_FAILURES_PER_HOUR": "1000",
            "ADMIN_USERS": ADMIN_USER,
        }
        settings.update(self.env_overrides)
        return settings

    def _write_htpasswd(self, path: str) -> None:
        """The admin area's password file: ADMIN_USER (listed in ADMIN_USERS)
        and UNLISTED_USER, bcrypt (htpasswd -B), which Apache and lighttpd
        (through libcrypt) both accept."""
        if shutil.which("htpasswd") is None:
            raise SetupError("htpasswd is not installed (Debian: apache2-utils)")
        for i, (user, password) in enumerate(((ADMIN_USER, ADMIN_PASSWORD), (UNLISTED_USER, UNLISTED_PASSWORD))):
            flags = "-cbB" if i == 0 else "-bB"
            r = subprocess.run(["htpasswd", flags, "-C", "5", path, user, password], capture_output=True, text=True,
                               timeout=30)
            if r.returncode != 0:
                raise SetupError(f"htpasswd failed ({r.returncode}): {r.stderr.strip()}")
        os.chmod(path, 0o640)

    def _write_env(self, path: str | None = None) -> None:
        lines = [f"# integration test settings ({self.label})"]
        lines += [f"{k}={v}" for k, v in self.env_settings().items()]
        fd = os.open(path or self.env_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write("\n".join(lines) + "\n")

    def _migrate(self) -> None:
        env = dict(os.environ, AUTH_ENV=self.env_path)
        r = subprocess.run([os.path.join(self.build, ADMIN), "migrate"], env=env, capture_output=True,
                           text=True, timeout=60)
        if r.returncode != 0:
            raise SetupError(f"sessionauth-admin migrate failed ({r.returncode}): {r.stderr.strip() or r.stdout.strip()}")

    def _wait_ready(self, timeout: float = 15.0) -> None:
        def answers() -> str | None:
            conn = self.connection(timeout=2)
            try:
                conn.request("GET", "/")
                status = conn.getresponse().status
            finally:
                conn.close()
            return None if status < 500 else f"status {status}"

        def exited() -> None:
            raise SetupError(f"{self.kind} exited with {self.proc.returncode} at start; log:\n{self.log_text()[-2000:]}"
                             f"\nstderr:\n{_read(os.path.join(self.dir, 'server.stderr')).decode(errors='replace')[-2000:]}")

        last = wait_until(answers, timeout, self.proc, exited)
        if last is not None:
            raise SetupError(f"{self.kind} did not answer on {self.base_url} within {timeout} s ({last})")
        self._remember_children()

    def _write_conf(self, values: dict[str, str], what: str, test: list[str]) -> None:
        """Writes conf_path from template_path() with every @NAME@ of `values`
        filled in (none may be left outside comments), then has the web server
        check it: `test` + [conf_path] must succeed."""
        with open(self.template_path()) as f:
            text = f.read()
        if self.https:
            text = re.sub(r"(?m)^#https# ", "", text)
        if self.admin_area:
            text = re.sub(r"(?m)^#admin# ", "", text)  # the admin area on
        for key, value in values.items():
            text = text.replace(f"@{key}@", value)
        code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
        left = re.findall(r"@[A-Z_]+@", code)
        if left:
            raise SetupError(f"unfilled names in the {what} template: {sorted(set(left))}")
        with open(self.conf_path, "w") as f:
            f.write(text)
        r = subprocess.run(test + [self.conf_path], capture_output=True, text=True, timeout=30)
        if r.returncode != 0:
            raise SetupError(f"{' '.join(test[:2])} rejected the configuration: {r.stderr.strip() or r.stdout.strip()}")

    def _spawn(self, args: list[str]) -> None:
        """Starts the web server (in the foreground) in self.dir; its output
        goes to server.stdout and server.stderr there."""
        out = open(os.path.join(self.dir, "server.stdout"), "wb")
        err = open(os.path.join(self.dir, "server.stderr"), "wb")
        try:
            self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=out, stderr=err, cwd=self.dir)
        finally:
            out.close()
            err.close()

    def _prepare(self) -> None:
        """Started by root, the web server runs the programs as web_user(),
        which must reach this server's folder: checked here."""
        if os.geteuid() != 0:
            return
        user, group = web_user()
        if not reachable_by(user, group, [os.path.dirname(self.dir)], "-x"):
            raise SetupError(f"{os.path.dirname(self.dir)} cannot be entered by {user}, who runs the programs when "
                             f"the tests run as root: set TMPDIR to a folder {user} can reach (e.g. /tmp)")

    # -- per web server
    def required_programs(self) -> tuple[str, ...]:
        """Programs the web-server configuration names (all must exist to start)."""
        return ()

    @property
    def conf_path(self) -> str:
        raise NotImplementedError

    def template_path(self) -> str:
        raise NotImplementedError

    def _write_config(self) -> None:
        raise NotImplementedError

    def _launch(self) -> None:
        raise NotImplementedError

    def _program_pids(self, path: str) -> list[int]:
        raise NotImplementedError


class LighttpdServer(Server):
    kind = "lighttpd"

    @property
    def conf_path(self) -> str:
        return os.path.join(self.dir, "lighttpd.conf")

    @property
    def log_path(self) -> str:
        return os.path.join(self.dir, "lighttpd-error.log")

    def template_path(self) -> str:
        return os.path.join(self.root, "etc", "lighttpd", "sessionauth.conf.in")

    def required_programs(self) -> tuple[str, ...]:
        return tuple(re.findall(r'"@PAGESDIR@/([^"]+)"', _read(self.template_path()).decode(errors="replace")))

    def extra_env(self) -> str:
        # The env file names every path, so the programs need nothing more,
        # but the sanitizer settings of a sanitizer build (./dev test runs
        # the suite once with build-asan), which lighttpd would not pass on.
        pairs = [f', "{k}" => "{os.environ[k]}"' for k in SANITIZER_ENV if os.environ.get(k)]
        return "".join(pairs)

    def _prepare(self) -> None:
        """Started by root, lighttpd drops to web_user() (server.username) and
        so do the programs. When that user cannot reach the checkout (a clone
        under /root, say), the programs and the shared files are copied into
        this server's folder, which it is given (_write_config)."""
        super()._prepare()
        if os.geteuid() != 0:
            return
        user, group = web_user()
        needed = [os.path.join(self.root, f) for f in ("templates/layout.tpl", "data/common-passwords.txt",
                                                       "htdocs/css")]
        needed += [os.path.join(self.build, p) for p in self.required_programs() + ("sessionauth-deliver",)]
        if reachable_by(user, group, needed, "-r"):
            return
        self.share_dir = os.path.join(self.dir, "share")
        for sub in ("templates", "data", "htdocs"):
            shutil.copytree(os.path.join(self.root, sub), os.path.join(self.share_dir, sub))
        self.programs_dir = os.path.join(self.dir, "programs")
        os.makedirs(self.programs_dir)
        for name in self.required_programs() + ("sessionauth-deliver",):
            shutil.copy2(os.path.join(self.build, name), self.programs_dir)

    def _write_config(self) -> None:
        user, group = web_user()
        htpasswd = os.path.join(self.dir, HTPASSWD)
        self._write_htpasswd(htpasswd)
        self._write_conf({
            "ADMIN_HTPASSWD": htpasswd,
            "BIND": self.host,
            "PORT": str(self.http_port),
            "DOCROOT": os.path.join(self.share_dir, "htdocs"),
            "PAGESDIR": self.programs_dir,
            "RUNDIR": self.dir,
            "LOGDIR": self.dir,
            "AUTH_ENV": self.env_path,
            "EXTRA_ENV": self.extra_env(),
            "MAXPROCS": str(self.max_procs),
            "USER": user,
            "GROUP": group,
            "TLS_PORT": str(self.port),
            "TLS_CERT": self.pki.get("cert", ""),
            "TLS_KEY": self.pki.get("key", ""),
            "HTTPS_ORIGIN": self.base_url,
        }, "lighttpd", ["lighttpd", "-tt", "-f"])
        if os.geteuid() == 0:
            # The user lighttpd drops to makes its sockets here and reads and
            # writes the env file and the database.
            for top, dirs, files in os.walk(self.dir):
                for name in [top] + [os.path.join(top, n) for n in dirs + files]:
                    shutil.chown(name, user, group)

    def _launch(self) -> None:
        if shutil.which("lighttpd") is None:
            raise SetupError("lighttpd is not installed")
        self._spawn(["lighttpd", "-D", "-f", self.conf_path])

    def _program_pids(self, path: str) -> list[int]:
        if self.proc is None:
            return []
        pids = [p for p in children_of(self.proc.pid) if alive(p) and cmdline(p)[:1] == [path]]
        self._known_children.update(pids)
        return pids


def reachable_by(user: str, group: str, paths: list[str], test: str) -> bool:
    """Whether `user` passes `test -r` (or -x...) on every path: as root, in a
    process that takes that user's ids."""
    script = f'for p in "$@"; do test {test} "$p" || exit 1; done'
    r = subprocess.run(["sh", "-c", script, "sh", *paths], user=user, group=group, extra_groups=[],
                       capture_output=True, timeout=30)
    return r.returncode == 0


def web_user() -> tuple[str, str]:
    """Who Apache's workers and the programs run as: www-data when started as
    root (Apache would keep root otherwise), else the user running the tests."""
    if os.geteuid() == 0:
        return "www-data", "www-data"
    import grp
    import pwd
    return pwd.getpwuid(os.getuid()).pw_name, grp.getgrgid(os.getgid()).gr_name


class ApacheServer(Server):
    """Apache 2.4 with mod_fcgid, set up the way a shared host is: the site is
    laid out by etc/apache/stage-site.sh (htdocs/ with the shipped .htaccess and
    the programs as cgi/auth-*.fcgi; private/ with the env file, templates and
    the database folder), and an instance from etc/apache/instance.conf.in with
    AllowOverride All serves it, so the .htaccess routes, protects and sets
    AUTH_ENV. The env file names no paths (stage-site.sh adds them) and nothing
    migrates beforehand: the first request creates the database, as on a host
    without a shell."""

    kind = "apache"
    handler = "fcgid"  # @HANDLER@ of instance.conf.in
    module = "mod_fcgid.so"  # the one instance.conf.in loads for that handler
    module_package = "libapache2-mod-fcgid"  # Debian
    waits_for_whole_body = True  # mod_fcgid reads the whole body first
    module_dir = "/usr/lib/apache2/modules"

    @property
    def site_dir(self) -> str:
        return os.path.join(self.dir, "site")

    @property
    def run_dir(self) -> str:
        return os.path.join(self.dir, "run")

    @property
    def conf_path(self) -> str:
        return os.path.join(self.run_dir, "httpd.conf")

    @property
    def log_path(self) -> str:
        return os.path.join(self.run_dir, "error.log")

    @property
    def source_env_path(self) -> str:
        """The env file as a person writes it; stage-site.sh copies it into private/."""
        return os.path.join(self.dir, "auth.env")

    @property
    def env_path(self) -> str:
        return os.path.join(self.site_dir, "private", "sessionauth.env")

    @property
    def db_path(self) -> str:
        return os.path.join(self.site_dir, "private", "db", "sessionauth.sqlite")

    def template_path(self) -> str:
        return os.path.join(self.root, "etc", "apache", "instance.conf.in")

    def program_path(self, program: str) -> str:
        return os.path.join(self.site_dir, "htdocs", "cgi", program + ".fcgi")

    def env_settings(self) -> dict:
        settings = super().env_settings()
        for key in ("DATABASE_PATH", "TEMPLATE_DIR", "DATA_DIR"):
            if key not in self.env_overrides:
                settings.pop(key)
        return settings

    def _write_env(self, path: str | None = None) -> None:
        super()._write_env(path or self.source_env_path)

    def _migrate(self) -> None:
        pass  # the first request (_wait_ready's GET /) creates the database

    def _write_config(self) -> None:
        if shutil.which("apache2") is None:
            raise SetupError("apache2 is not installed (Debian: apache2 libapache2-mod-fcgid)")
        module = os.path.join(self.module_dir, self.module)
        if not os.path.exists(module):
            raise SetupError(f"{module} is missing (Debian: {self.module_package})")
        user, group = web_user()
        as_root = os.geteuid() == 0
        if as_root:
            os.chmod(self.dir, 0o755)  # www-data must reach site/ and run/
        os.makedirs(self.run_dir, mode=0o755, exist_ok=True)
        if self.bundle:
            stage = [os.path.join(self.bundle, "stage-site.sh")]
        else:
            stage = [os.path.join(self.root, "etc", "apache", "stage-site.sh"), "--programs", self.build,
                     "--share", self.root]
        if as_root:
            stage += ["--owner", user]
        r = subprocess.run(stage + [self.site_dir, self.source_env_path], capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            raise SetupError(f"stage-site.sh failed ({r.returncode}): {r.stderr.strip() or r.stdout.strip()}")
        # The admin area on, as the README's shared-hosting steps turn it on:
        # the password file in private/, the "#admin# " lines of cgi/.htaccess
        # (where stage-site.sh wrote its path) uncommented.
        htpasswd = os.path.join(self.site_dir, "private", HTPASSWD)
        self._write_htpasswd(htpasswd)
        if as_root:
            shutil.chown(htpasswd, user, group)
        cgi_htaccess = os.path.join(self.site_dir, "htdocs", "cgi", ".htaccess")
        with open(cgi_htaccess) as f:
            text = f.read()
        check(f'AuthUserFile "{htpasswd}"' in text, f"stage-site.sh did not write {htpasswd} into {cgi_htaccess}")
        if self.admin_area:
            with open(cgi_htaccess, "w") as f:
                f.write(re.sub(r"(?m)^#admin# ", "", text))
        if self.https:
            self._write_tls_conf()
        self._write_conf({
            "PORT": str(self.http_port),
            "SITEDIR": self.site_dir,
            "RUNDIR": self.run_dir,
            "MODDIR": self.module_dir,
            "USER": user,
            "GROUP": group,
            "HANDLER": self.handler,
            "MAXPROCS": str(self.max_procs),
        }, "Apache", ["apache2", "-t", "-f"])

    def _write_tls_conf(self) -> None:
        """run/tls.conf, which instance.conf.in includes: the https port with
        the test certificate. The site's .htaccess (staged for an https
        BASE_URL) redirects what comes to the plain port."""
        with open(os.path.join(self.run_dir, "tls.conf"), "w") as f:
            f.write(f"""<IfModule !ssl_module>
    LoadModule ssl_module {self.module_dir}/mod_ssl.so
</IfModule>
Listen {self.host}:{self.port}
<VirtualHost {self.host}:{self.port}>
    ServerName {self.host}
    SSLEngine on
    SSLCertificateFile "{self.pki['cert']}"
    SSLCertificateKeyFile "{self.pki['key']}"
</VirtualHost>
""")

    def _launch(self) -> None:
        # mpm_event (instance.conf.in): prefork would signal our process group.
        self._spawn(["apache2", "-f", self.conf_path, "-DFOREGROUND"])

    def _program_pids(self, path: str) -> list[int]:
        if self.proc is None:
            return []
        real = os.path.realpath(path)
        pids = [int(e) for e in os.listdir("/proc") if e.isdigit() and exe_of(int(e)) == real]
        pids = [p for p in pids if alive(p)]
        self._known_children.update(pids)
        return pids

    def _remember_children(self) -> None:
        if self.proc is not None:
            self._known_children.update(descendants_of(self.proc.pid))

    def _ours(self, pid: int) -> bool:
        if not alive(pid):
            return False
        args = cmdline(pid)
        return bool(args) and (args[0].startswith(self.site_dir + os.sep) or self.conf_path in args
                               or exe_of(pid).startswith(self.site_dir + os.sep))

    def stop(self) -> None:
        if self.proc is None:
            super().stop()
            return
        self._remember_children()
        conf = self.conf_path
        super().stop()
        # No worker of this instance may keep the port (e.g. after a SIGKILL).
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            stray = [int(e) for e in os.listdir("/proc") if e.isdigit() and conf in cmdline(int(e)) and alive(int(e))]
            if not stray:
                break
            for p in stray:
                try:
                    os.kill(p, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.1)


class ApacheCgiServer(ApacheServer):
    """The same staged site and .htaccess under Apache with mod_cgid and no
    mod_fcgid: the .htaccess falls back to cgi-script, one process per request."""

    kind = "apache-cgi"
    handler = "cgi"
    module = "mod_cgid.so"
    module_package = "apache2-bin"
    long_lived_programs = False
    waits_for_whole_body = True  # mod_cgid writes the whole body before it reads the answer


def unpacked_bundle(path: str) -> str:
    """The folder of an upload bundle: `path` itself, or where its .tar.gz
    is unpacked (a temporary folder, removed when the run ends)."""
    path = os.path.abspath(path)
    if os.path.isdir(path):
        top = path
    else:
        import atexit
        import tarfile
        work = tempfile.mkdtemp(prefix="sessionauth-bundle-")
        os.chmod(work, 0o755)
        atexit.register(shutil.rmtree, work, True)
        try:
            with tarfile.open(path) as t:
                t.extractall(work)
        except (OSError, tarfile.TarError) as e:
            raise SetupError(f"cannot unpack {path}: {e}") from e
        tops = os.listdir(work)
        top = os.path.join(work, tops[0]) if len(tops) == 1 else work
    if not os.access(os.path.join(top, "stage-site.sh"), os.X_OK):
        raise SetupError(f"{path} is not an upload bundle (no stage-site.sh)")
    return top


SERVERS = {"lighttpd": LighttpdServer, "apache": ApacheServer, "apache-cgi": ApacheCgiServer}
PLANNED: tuple[str, ...] = ()


def server_class(name: str):
    return SERVERS.get(name)


# --------------------------------------------------------------------------
# HTTP


@dataclass
class SetCookie:
    name: str
    value: str
    attrs: dict = field(default_factory=dict)  # lowercased name -> value ("" for flags)
    raw: str = ""

    @property
    def full_name(self) -> str:
        """The name as the server sent it (with a __Host- prefix, if any)."""
        return self.raw.split(";", 1)[0].partition("=")[0].strip()

    @classmethod
    def parse(cls, header: str) -> "SetCookie":
        parts = [p.strip() for p in header.split(";")]
        name, _, value = parts[0].partition("=")
        attrs = {}
        for p in parts[1:]:
            if not p:
                continue
            k, _, v = p.partition("=")
            attrs[k.strip().lower()] = v.strip()
        return cls(name.strip(), value.strip(), attrs, header)

    @property
    def deletes(self) -> bool:
        return self.attrs.get("max-age") == "0" or self.value == ""


class Response:
    def __init__(self, status: int, reason: str, headers: list[tuple[str, str]], body: bytes, method: str = "",
                 target: str = ""):
        self.status = status
        self.reason = reason
        self.headers = headers
        self.raw_body = body
        self.body = body.decode("utf-8", errors="replace")
        self.method = method
        self.target = target
        # The site's cookie-name prefix (__Host- over https), left out of
        # SetCookie.name so that tests name cookies the same way over http and
        # https; the full name stays in SetCookie.full_name.
        self.cookie_prefix = ""
        self.https = False  # came over TLS

    def header(self, name: str) -> str | None:
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def header_all(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k.lower() == name.lower()]

    @property
    def location(self) -> str | None:
        return self.header("Location")

    @property
    def set_cookies(self) -> list[SetCookie]:
        out = [SetCookie.parse(v) for v in self.header_all("Set-Cookie")]
        for c in out:
            if self.cookie_prefix and c.name.startswith(self.cookie_prefix):
                c.name = c.name[len(self.cookie_prefix):]
        return out

    def set_cookie(self, name: str) -> SetCookie | None:
        found = [c for c in self.set_cookies if c.name == name]
        return found[-1] if found else None

    def csrf_token(self) -> str:
        tokens = form_values(self.body, "csrf_token")
        if not tokens:
            raise TestFailure(f"no csrf_token in the page ({self.summary()})")
        return tokens[0]

    def input_value(self, name: str) -> str | None:
        values = form_values(self.body, name)
        return values[0] if values else None

    def text(self) -> str:
        """The body without tags, whitespace squeezed, entities decoded."""
        import html
        no_tags = re.sub(r"<[^>]*>", " ", self.body)
        return re.sub(r"\s+", " ", html.unescape(no_tags)).strip()

    def summary(self) -> str:
        snippet = self.text()
        return f"{self.method} {self.target} -> {self.status} {self.reason}; Location={self.location!r}; body: {snippet[:200]!r}"


_INPUT_RE = re.compile(r"<input\b[^>]*>", re.I)
_ATTR_RE = re.compile(r'([a-zA-Z_:-]+)\s*=\s*"([^"]*)"')


def form_values(html_text: str, name: str) -> list[str]:
    import html
    out = []
    for tag in _INPUT_RE.findall(html_text):
        attrs = {k.lower(): html.unescape(v) for k, v in _ATTR_RE.findall(tag)}
        if attrs.get("name") == name:
            out.append(attrs.get("value", ""))
    return out


def encode_form(fields) -> str:
    """Fields as a dict or a list of pairs, urlencoded the way browsers do."""
    items = fields.items() if isinstance(fields, dict) else fields
    return urllib.parse.urlencode(list(items))


class Client:
    """One browser: its own cookies, no automatic redirects."""

    def __init__(self, server: Server, timeout: float = 30.0):
        self.server = server
        self.cookies: dict[str, str] = {}
        self.timeout = timeout
        self.history: list[Response] = []
        self.extra_headers: dict[str, str] = {}
        # (address, 0) to connect from another loopback address, e.g. 127.0.0.5:
        # the programs see it as REMOTE_ADDR (per-address limits).
        self.source_address: tuple[str, int] | None = None

    def cookie_header(self) -> str:
        # The cookies are kept by their names without the site's __Host-
        # prefix (see _store_cookies) and sent with it.
        prefix = self.server.cookie_prefix
        return "; ".join(f"{prefix}{k}={v}" for k, v in self.cookies.items())

    def request(self, method: str, path: str, body: bytes | str | None = None, headers: dict | None = None,
                cookies: bool = True, plain: bool = False) -> Response:
        """plain: to the plain http port (over https, the one that redirects)."""
        port = self.server.http_port if plain else self.server.port
        hdrs = {"Host": f"{self.server.host}:{port}", "User-Agent": "sessionauth-integration-tests"}
        hdrs.update(self.extra_headers)
        if cookies and self.cookies:
            hdrs["Cookie"] = self.cookie_header()
        if headers:
            for k, v in headers.items():
                if v is None:
                    hdrs.pop(k, None)
                else:
                    hdrs[k] = v
        if isinstance(body, str):
            body = body.encode()
        conn = self.server.connection(self.timeout, self.source_address, plain=plain)
        try:
            conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
            for k, v in hdrs.items():
                conn.putheader(k, v)
            if body is not None and not any(k.lower() == "content-length" for k in hdrs):
                conn.putheader("Content-Length", str(len(body)))
            try:
                conn.endheaders(body)
            except OSError as e:
                # The server answered (a 413, say) and closed before the whole
                # body was sent: over TLS the send fails where plain TCP buffers
                # it. The answer may be there to read all the same.
                sent_error = e
            else:
                sent_error = None
            try:
                r = conn.getresponse()
            except (OSError, http.client.HTTPException):
                if sent_error is not None:
                    raise sent_error
                raise
            data = r.read()
            resp = Response(r.status, r.reason, r.getheaders(), data, method, path)
            resp.cookie_prefix = self.server.cookie_prefix
            resp.https = self.server.https and not plain
        finally:
            conn.close()
        self._store_cookies(resp)
        self.history.append(resp)
        return resp

    def _store_cookies(self, resp: Response) -> None:
        for c in resp.set_cookies:
            if c.deletes:
                self.cookies.pop(c.name, None)
            else:
                self.cookies[c.name] = c.value

    def get(self, path: str, headers: dict | None = None) -> Response:
        return self.request("GET", path, headers=headers)

    def post(self, path: str, fields, headers: dict | None = None, content_type: str = "application/x-www-form-urlencoded",
             plain: bool = False) -> Response:
        body = fields if isinstance(fields, (bytes, str)) else encode_form(fields)
        h = {"Content-Type": content_type}
        if headers:
            h.update(headers)
        return self.request("POST", path, body=body, headers=h, plain=plain)

    def submit(self, form_path: str, fields: dict, action: str | None = None, headers: dict | None = None) -> Response:
        """GET the page with the form, then POST it with its csrf_token (like a person would)."""
        page = self.get(form_path)
        check_status(page, 200, f"GET {form_path} before posting its form")
        data = {"csrf_token": page.csrf_token()}
        data.update(fields)
        return self.post(action or form_path.split("?")[0], data, headers=headers)

    def follow(self, resp: Response) -> Response:
        loc = resp.location
        check(loc is not None, f"no Location to follow ({resp.summary()})")
        check(loc.startswith(self.server.base_url + "/"), f"Location {loc!r} leaves {self.server.base_url}")
        return self.get(loc[len(self.server.base_url):])

    @property
    def sid(self) -> str | None:
        return self.cookies.get("sid")


def raw_request(server: Server, data: bytes, timeout: float = 5.0, send_after: bytes | None = None,
                shutdown_write: bool = False) -> tuple[int | None, bytes]:
    """Sends bytes as they are; returns (status or None, everything read).

    None means the server closed or timed out without an HTTP status line.
    Over https, through TLS (shutdown_write then ends the TLS session's
    writing side by closing nothing: TLS cannot half-close).
    """
    with socket.create_connection((server.host, server.port), timeout=timeout) as s:
        if server.https:
            s = server.ssl_context().wrap_socket(s, server_hostname=server.host)
            shutdown_write = False
        try:
            s.sendall(data)
            if send_after:
                s.sendall(send_after)
        except OSError:
            pass
        if shutdown_write:
            try:
                s.shutdown(socket.SHUT_WR)
            except OSError:
                pass
        chunks = []
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
        except (socket.timeout, OSError):
            pass
    got = b"".join(chunks)
    m = re.match(rb"HTTP/1\.[01] (\d{3})", got)
    return (int(m.group(1)) if m else None), got


def made_by_program(r: "Response | bytes | None") -> bool:
    """Whether a page program made this answer, not the web server itself: the
    programs' Content-Security-Policy is the only one with form-action."""
    if isinstance(r, (bytes, bytearray)):
        r = parse_raw(bytes(r))
    return r is not None and "form-action" in (r.header("Content-Security-Policy") or "")


def parse_raw(got: bytes) -> Response | None:
    head, _, body = got.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    m = re.match(rb"HTTP/1\.[01] (\d{3}) ?(.*)", lines[0]) if lines else None
    if not m:
        return None
    headers = []
    for line in lines[1:]:
        k, _, v = line.partition(b":")
        headers.append((k.decode(errors="replace").strip(), v.decode(errors="replace").strip()))
    return Response(int(m.group(1)), m.group(2).decode(errors="replace"), headers, body)


# --------------------------------------------------------------------------
# Test data

_counter = 0
_counter_lock = threading.Lock()


def new_email(tag: str = "user") -> str:
    global _counter
    with _counter_lock:
        _counter += 1
        n = _counter
    return f"{tag}.{n}.{secrets.token_hex(4)}@example.test"


_sources = itertools.count(1)


def new_source() -> tuple[str, int]:
    """A loopback address (127.1.x.y) not used before in this run, to bind a
    client to: the site counts some limits per client address, and the
    tests would otherwise all share 127.0.0.1."""
    with _counter_lock:
        n = next(_sources)
    return (f"127.1.{n // 250}.{1 + n % 250}", 0)


def new_password() -> str:
    # Long enough, not common, unrelated to names and addresses.
    return f"plume {secrets.token_hex(5)} orbit"


def register(client: Client, email: str | None = None, password: str | None = None, name: str = "Ada Lovelace") -> tuple[str, str]:
    email = email or new_email()
    password = password or new_password()
    r = client.submit("/register", {"name": name, "email": email, "password": password, "password_confirm": password})
    check_status(r, 303, f"registering {email}")
    return email, password


def login(client: Client, email: str, password: str, next_path: str | None = None) -> Response:
    fields = {"email": email, "password": password}
    if next_path is not None:
        fields["next"] = next_path
    r = client.submit("/login", fields)
    check_status(r, 303, f"logging in as {email}")
    check(client.sid, f"no sid cookie after logging in as {email}")
    return r


def registered_user(server: Server, name: str = "Ada Lovelace") -> tuple[Client, str, str]:
    """A new browser with a new, logged-in account."""
    c = server.client()
    email, password = register(c, name=name)
    login(c, email, password)
    return c, email, password


def user_row(server: Server, email: str):
    rows = server.query("SELECT * FROM users WHERE email = ?", (email,))
    return rows[0] if rows else None


def count_users(server: Server, email: str) -> int:
    return server.query("SELECT count(*) AS n FROM users WHERE email = ?", (email,))[0]["n"]


def session_count(server: Server, email: str) -> int:
    return server.query("SELECT count(*) AS n FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.email = ?",
                        (email,))[0]["n"]
