#!/usr/bin/env python3
"""Throughput and latency of sessionauth behind lighttpd and Apache, with four controls.

    python3 bench/run_bench.py --root ROOT --build BUILD --tools DIR [--json FILE]
                               [--seconds N] [--warmup N] [--rounds R] [--threads T] [--connections C]
                               [--procs P] [--cgi-workers W]

`./dev bench` builds everything first (BUILD: the site at -O2 -DNDEBUG; DIR:
bench/fcgi_control, bench/cgi_control and bench/bare_verify) and calls this.
Nothing is built here. It starts lighttpd on a free 127.0.0.1 port with the
site (the integration tests' LighttpdServer) plus three controls served by the
same lighttpd:

  static_control   a static HTML file as large as the profile page: the
                   ceiling of the web server
  fcgi_control     bench/fcgi_control: libfcgi and one SQLite primary-key
                   SELECT, nothing else: the floor of any FastCGI page
  fcgi_page_control  the same program answering with the bytes of a GET
                   /profile the bench recorded (its headers and page): what
                   sending that page costs any FastCGI program, so that
                   get_profile's ratio to it is the site's own work

and an Apache with plain CGI (mod_cgid, the integration tests'
ApacheCgiServer: the staged site and its .htaccess) with a fourth control:

  cgi_control      bench/cgi_control.c: a C program that prints a few bytes
                   of HTML, started by the same Apache once per request: the
                   floor of any plain-CGI page

and measures with wrk (Debian's package; the requests come from
bench/scenario.lua), each scenario for --seconds after a --warmup run. The
machine this runs on may be shared: the wrk scenarios take turns in --rounds
rounds, and each ratio (to a control, large database to small) is the
median of the per-round ratios, so that outside load that comes and goes
falls on both sides of a ratio. wrk looks at every answer's status in the
warm-up and in a run of 1 s after the rounds, not in the measured rounds
(handing each answer to Lua costs wrk more CPU the larger the page:
bench/scenario.lua); statuses of 400 and up are counted in every run, and
a measured round whose answers were not, on average, the size of the
checked ones (a 303 to /login is not a 5 KiB profile page) is reported as
an error. post_login's status is checked in every slice.

  get_login        GET /login without a session
  get_profile      GET /profile with a valid session
  post_profile     POST /profile (name update) with session and CSRF token
  post_login       POST /login with the right password (Argon2id-bound),
                   one connection, so its latency is service time; compared
                   with one bare crypto_pwhash_str_verify timed in this run
  cgi_login        GET /login from that Apache, the program run as plain CGI
                   (a fork + exec each), --cgi-workers connections; compared
                   with cgi_control in the same rounds
  cgi_login_close, cgi_control_close  the same two with "Connection: close"
                   (mod_cgid holds a keep-alive connection in 10 ms sleeps
                   while the process of the request before is still ending)
  get_profile_large_db  GET /profile against a second server whose database
                   holds 100,000 users and 1,000,000 live sessions

and with --postgres DIR (a cluster of tests/pg/cluster.sh; ./dev bench makes
one), in the same rounds, two more servers (nodes A and B) sharing one
PostgreSQL database:

  get_profile_pg   GET /profile on node A, as a ratio to get_profile (SQLite)
  post_profile_pg  POST /profile on node A, as a ratio to post_profile
  get_profile_pg_two_nodes  GET /profile on A and B at once (the same
                   connections split between them, their req/s added), as a
                   ratio to get_profile_pg: what a second node adds

then the RSS (now and peak) of every FastCGI process after a short idle.
Prints a table, checks the targets (figures, never a failing test: the exit
status is 0 unless the bench itself could not run) and, with --json FILE,
writes the figures as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import secrets
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests", "integration"))
sys.dont_write_bytecode = True

import harness  # noqa: E402

LARGE_USERS = 100_000
LARGE_SESSIONS = 1_000_000
BENCH_PASSWORD = "quartz lantern 58 meadow"
SCENARIOS = ("get_login", "get_profile", "post_profile", "post_login", "static_control", "fcgi_control", "fcgi_page_control",
             "cgi_login", "cgi_control", "cgi_login_close", "cgi_control_close", "get_profile_large_db")
PG_SCENARIOS = ("get_profile_pg", "post_profile_pg", "get_profile_pg_two_nodes")

# Targets (reported, never enforced).
TARGET_PAGE_TO_FCGI = {"get_profile": 0.85, "get_login": 0.8}
TARGET_LOGIN_FACTOR, TARGET_LOGIN_SLACK_MS = 1.05, 2.0
TARGET_IDLE_RSS_KIB = 6 * 1024
# GET /login as plain CGI: at most this many times cgi_control's time per request.
TARGET_CGI_TO_CONTROL = 1.5
TARGET_LARGE_DB = 0.10
# A measured round's answers may differ in size on average from the checked
# ones by this much (a Date header, a cookie, the answers wrk had not read
# in full when the round ended) before the round counts as an error.
ANSWER_SIZE_SLACK = 0.10


def log(text: str) -> None:
    print(f"bench: {text}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------
# The server: the site's lighttpd configuration plus the three controls


class BenchServer(harness.LighttpdServer):
    def __init__(self, *args, tools: str, seed_db: str | None = None, controls: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.tools = tools
        self.seed_db = seed_db
        # The three controls (a PostgreSQL node has none: fcgi_control reads the
        # SQLite database, which such a node does not have, and exits, and
        # lighttpd then refuses to start when it notices in time).
        self.controls = controls

    @property
    def static_dir(self) -> str:
        return os.path.join(self.dir, "static")

    @property
    def page_response_path(self) -> str:
        return os.path.join(self.dir, "bench-page-response")

    def env_settings(self) -> dict:
        settings = super().env_settings()
        settings["MAIL_PORT"] = "9"  # nothing is mailed in the bench
        return settings

    def _migrate(self) -> None:
        if self.seed_db:
            shutil.copyfile(self.seed_db, self.db_path)
        super()._migrate()

    def _write_config(self) -> None:
        super()._write_config()
        if not self.controls:
            return
        os.makedirs(self.static_dir, exist_ok=True)
        control = os.path.join(self.tools, "fcgi_control")
        extra = f"""
# ./dev bench: the three controls, served by the same lighttpd
$HTTP["url"] == "/bench-static.html" {{
  server.document-root = "{self.static_dir}"
}}
$HTTP["url"] == "/bench-fcgi" {{
  fastcgi.server = ( "/" => ( "control" => (
    "socket" => "{self.dir}/control.sock", "bin-path" => "{control}",
    "check-local" => "disable", "max-procs" => {self.max_procs},
    "bin-environment" => ( "BENCH_DB" => "{self.db_path}" ), "bin-copy-environment" => ( "PATH" ) ) ) )
}}
$HTTP["url"] == "/bench-fcgi-page" {{
  fastcgi.server = ( "/" => ( "page-control" => (
    "socket" => "{self.dir}/page-control.sock", "bin-path" => "{control}",
    "check-local" => "disable", "max-procs" => {self.max_procs},
    "bin-environment" => ( "BENCH_DB" => "{self.db_path}", "BENCH_RESPONSE" => "{self.page_response_path}" ),
    "bin-copy-environment" => ( "PATH" ) ) ) )
}}
"""
        with open(self.conf_path, "a") as f:
            f.write(extra)
        r = subprocess.run(["lighttpd", "-tt", "-f", self.conf_path], capture_output=True, text=True, timeout=30)
        if r.returncode != 0:
            raise harness.SetupError(f"lighttpd -tt rejected the bench configuration: {r.stderr or r.stdout}")

    def _ours(self, pid: int) -> bool:
        return super()._ours(pid) or (harness.alive(pid) and harness.cmdline(pid)[:1] == [os.path.join(self.tools, "fcgi_control")])

    def fastcgi_processes(self) -> list[tuple[str, int]]:
        """(program name, pid) of every FastCGI process lighttpd runs now."""
        out = []
        if self.proc is None:
            return out
        for pid in harness.children_of(self.proc.pid):
            args = harness.cmdline(pid)
            if args and harness.alive(pid):
                self._known_children.add(pid)
                out.append((os.path.basename(args[0]), pid))
        return sorted(out)


class BenchCgiServer(harness.ApacheCgiServer):
    """The staged site under Apache with plain CGI, plus bench/cgi_control as
    bench-cgi/control.cgi in its document root (a folder of its own with an
    .htaccess that runs it as CGI; the site's .htaccess routes nothing there)."""

    def __init__(self, *args, tools: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.tools = tools

    def env_settings(self) -> dict:
        settings = super().env_settings()
        settings["MAIL_PORT"] = "9"  # nothing is mailed in the bench
        return settings

    def _write_config(self) -> None:
        super()._write_config()
        folder = os.path.join(self.site_dir, "htdocs", "bench-cgi")
        os.makedirs(folder, mode=0o755, exist_ok=True)
        os.chmod(folder, 0o755)
        shutil.copyfile(os.path.join(self.tools, "cgi_control"), os.path.join(folder, "control.cgi"))
        os.chmod(os.path.join(folder, "control.cgi"), 0o755)
        with open(os.path.join(folder, ".htaccess"), "w") as f:
            f.write("Options +ExecCGI\nSetHandler cgi-script\n")
        os.chmod(os.path.join(folder, ".htaccess"), 0o644)


def proc_status(pid: int) -> dict:
    """VmRSS, VmHWM (peak RSS), RssAnon, RssFile from status; Pss and
    Private_Dirty from smaps_rollup (RSS counts every shared library page
    the process touched; PSS divides them among the processes sharing them)."""
    fields = {}
    for name, keys in (("status", ("VmRSS", "VmHWM", "RssAnon", "RssFile")), ("smaps_rollup", ("Pss", "Private_Dirty"))):
        try:
            with open(f"/proc/{pid}/{name}") as f:
                for line in f:
                    k, _, v = line.partition(":")
                    if k in keys:
                        fields[k] = int(v.split()[0])
        except (OSError, ValueError):
            pass
    return fields


# --------------------------------------------------------------------------
# The large database: 100,000 users, 1,000,000 sessions that are all live


def make_large_db(path: str, build: str, root: str) -> None:
    """A migrated database filled with users and sessions (cached between runs)."""
    t0 = time.monotonic()
    tmp = path + ".tmp"
    for p in (tmp, tmp + "-wal", tmp + "-shm"):
        if os.path.exists(p):
            os.remove(p)
    env_path = path + ".env"
    with open(os.open(env_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
        f.write(f"SECRET_KEY={secrets.token_hex(32)}\nBASE_URL=http://127.0.0.1:1\nMAIL_SERVER=127.0.0.1\nMAIL_PORT=9\n"
                f"MAIL_FROM=noreply@sessionauth.test\nMAIL_STARTTLS=False\nDATABASE_PATH={tmp}\n"
                f"TEMPLATE_DIR={root}/templates\nDATA_DIR={root}/data\n")
    r = subprocess.run([os.path.join(build, "sessionauth-admin"), "migrate"], env=dict(os.environ, AUTH_ENV=env_path),
                       capture_output=True, text=True, timeout=60)
    os.remove(env_path)
    if r.returncode != 0:
        raise harness.SetupError(f"migrate for the large database failed: {r.stderr}")
    rng = random.Random(20261127)
    now = int(time.time())
    fake_hash = "$argon2id$v=19$m=19456,t=2,p=1$" + "A" * 22 + "$" + "B" * 43
    conn = sqlite3.connect(tmp)
    # Fast filling: no journal, no syncs, a cache that holds the indexes;
    # session digests sorted so the unique index grows at its end.
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA cache_size=-400000")
    with conn:
        conn.executemany(
            "INSERT INTO users (id, email, name, password_hash, created_at, updated_at, password_changed_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            ((i, f"bulk.{i}@bench.example", f"Bulk User {i}", fake_hash, now, now, now) for i in range(1, LARGE_USERS + 1)))
    digests = sorted(rng.randbytes(32) for _ in range(LARGE_SESSIONS))
    with conn:
        conn.executemany(
            "INSERT INTO sessions (token_hash, user_id, created_at, last_seen, client_ip, user_agent) VALUES (?, ?, ?, ?, ?, ?)",
            ((d, rng.randint(1, LARGE_USERS), now, now, f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.7",
              "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0") for d in digests))
    conn.execute("PRAGMA journal_mode=WAL")  # as the site keeps it
    conn.close()
    os.replace(tmp, path)
    for p in (tmp + "-wal", tmp + "-shm"):
        if os.path.exists(p):
            os.remove(p)
    log(f"made the large database in {time.monotonic() - t0:.1f} s ({os.path.getsize(path) // (1024 * 1024)} MiB)")


def refresh_large_db(path: str) -> None:
    """Every session live again (created and last seen within the last minutes),
    so that neither the lookups nor housekeeping meet expired rows."""
    now = int(time.time())
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("UPDATE sessions SET created_at = ? - (id % 600), last_seen = ? - (id % 60)", (now, now))
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


# --------------------------------------------------------------------------
# wrk


class Scenario:
    def __init__(self, name: str, url: str, expect: int, method: str = "GET", body: str = "", cookie: str = "",
                 connections: int | None = None, threads: int | None = None, also: tuple[str, ...] = (),
                 close: bool = False):
        self.name, self.url, self.expect, self.method, self.body, self.cookie = name, url, expect, method, body, cookie
        self.connections, self.threads = connections, threads
        self.close = close  # "Connection: close": a new connection for each request
        # Other nodes of the same site: wrk runs against each at once, the
        # connections split between them.
        self.also = also


def run_wrk(sc: Scenario, seconds: int, threads: int, connections: int, check: bool = True) -> dict:
    """One wrk run of `sc`. check: scenario.lua looks at every answer's status
    (unexpected_status); without it wrk still counts socket errors and
    statuses of 400 and up, but does not hand every answer to Lua, which
    costs wrk CPU, more the larger the answer (see scenario.lua)."""
    c = sc.connections or connections
    t = min(sc.threads or threads, c)
    env = dict(os.environ, BENCH_METHOD=sc.method, BENCH_BODY=sc.body, BENCH_COOKIE=sc.cookie, BENCH_EXPECT=str(sc.expect),
               BENCH_CLOSE="1" if sc.close else "0", BENCH_CHECK="1" if check else "0")
    urls = (sc.url,) + tuple(sc.also)
    if len(urls) > 1:
        c, t = max(1, c // len(urls)), max(1, t // len(urls))
    procs = [subprocess.Popen(["wrk", f"-t{t}", f"-c{c}", f"-d{seconds}s", "--timeout", "10s", "-s",
                               os.path.join(HERE, "scenario.lua"), url], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for url in urls]
    raws = []
    for proc in procs:
        out, err = proc.communicate(timeout=seconds + 60)
        m = re.search(r"^BENCH_JSON (\{.*\})$", out, re.M)
        if proc.returncode != 0 or not m:
            raise RuntimeError(f"wrk failed for {sc.name} ({proc.returncode}): {err.strip()} {out[-500:]}")
        raws.append(json.loads(m.group(1)))
    if len(raws) == 1:
        raw = raws[0]
    else:  # the nodes together: requests added, the slower node's latencies
        raw = {k: sum(r[k] for r in raws) for k in ("requests", "bytes", "socket_errors", "status_errors", "unexpected")}
        raw.update({k: max(r[k] for r in raws) for k in ("duration_us", "p50_us", "p99_us", "mean_us")})
        raw["first_unexpected"] = next((r["first_unexpected"] for r in raws if r["first_unexpected"]), None)
        raw["requests"] = sum(r["requests"] * raw["duration_us"] / r["duration_us"] for r in raws if r["duration_us"])
        c, t = c * len(urls), t * len(urls)
    rps = raw["requests"] / (raw["duration_us"] / 1e6) if raw["duration_us"] else 0.0
    return {
        "rps": rps,
        "p50_ms": raw["p50_us"] / 1000.0,
        "p99_ms": raw["p99_us"] / 1000.0,
        "mean_ms": raw["mean_us"] / 1000.0,
        "requests": raw["requests"],
        "bytes": raw["bytes"],
        "socket_errors": raw["socket_errors"],
        "non_2xx_3xx": raw["status_errors"],
        "unexpected_status": raw["unexpected"],
        "first_unexpected_status": raw["first_unexpected"] or None,
        "errors": raw["socket_errors"] + max(raw["status_errors"], raw["unexpected"]),
        "connections": c,
        "threads": t,
        "duration_s": raw["duration_us"] / 1e6,
    }


def combine(parts: list[dict]) -> dict:
    """One figure from several runs of a scenario: req/s over all of them,
    p50 and p99 the medians of the runs' (each run is a few seconds)."""
    out = dict(parts[0])
    total = sum(p["requests"] for p in parts)
    seconds = sum(p["duration_s"] for p in parts)
    out.update({
        "rps": total / seconds if seconds else 0.0,
        "p50_ms": statistics.median(p["p50_ms"] for p in parts),
        "p99_ms": statistics.median(p["p99_ms"] for p in parts),
        "mean_ms": sum(p["mean_ms"] * p["requests"] for p in parts) / total if total else 0.0,
        "requests": total,
        "duration_s": seconds,
        "round_rps": [round(p["rps"], 1) for p in parts],
    })
    for key in ("socket_errors", "non_2xx_3xx", "unexpected_status", "errors"):
        out[key] = sum(p[key] for p in parts)
    return out


def measure_rounds(plan: list[Scenario], args, rounds: int) -> dict:
    """Every scenario of `plan` warmed up once, then measured in `rounds`
    rounds of --seconds/rounds each, the scenarios taking turns within a
    round: load from outside the bench that comes and goes falls on all of
    them alike, and the ratios are taken round by round."""
    per = max(1, round(args.seconds / rounds))
    # Every answer's status is checked in the warm-up and in a run of 1 s
    # after the rounds, not in the measured rounds (scenario.lua says why).
    # An answer that went wrong in between (the session lost, say: GET
    # /profile answered by a 303 to /login) stays wrong, so the run after
    # the rounds sees it; statuses of 400 and up are counted in every run.
    checks: dict[str, list[dict]] = {sc.name: [] for sc in plan}
    for sc in plan:
        log(f"{sc.name}: warm-up {args.warmup} s")
        if args.warmup > 0:
            checks[sc.name].append(run_wrk(sc, args.warmup, args.threads, args.connections, check=True))
    parts: dict[str, list[dict]] = {sc.name: [] for sc in plan}
    for k in range(rounds):
        log(f"round {k + 1} of {rounds}: {', '.join(sc.name for sc in plan)}, {per} s each")
        for sc in plan:
            parts[sc.name].append(run_wrk(sc, per, args.threads, args.connections, check=False))
    log(f"every answer's status checked: {', '.join(sc.name for sc in plan)}, 1 s each")
    for sc in plan:
        checks[sc.name].append(run_wrk(sc, 1, args.threads, args.connections, check=True))
    out = {}
    for name, runs in parts.items():
        r = out[name] = combine(runs)
        checked = checks[name]
        r["checked_requests"] = sum(c["requests"] for c in checked)
        r["unexpected_status"] += sum(c["unexpected_status"] for c in checked)
        r["errors"] += sum(c["errors"] for c in checked)
        r["first_unexpected_status"] = next((c["first_unexpected_status"] for c in checked
                                             if c["first_unexpected_status"]), r["first_unexpected_status"])
        # Rounds whose answers were not the checked answers' size on average
        # (more than ANSWER_SIZE_SLACK off): some other answer came back.
        size = sum(c["bytes"] for c in checked) / r["checked_requests"] if r["checked_requests"] else 0
        r["bytes_per_answer"] = round(size, 1)
        r["rounds_off_size"] = [k + 1 for k, run in enumerate(runs)
                                if size and run["requests"] and abs(run["bytes"] / run["requests"] / size - 1) > ANSWER_SIZE_SLACK]
    return out


def round_ratio(a: dict, b: dict) -> float | None:
    """The median over rounds of a's req/s over b's (or the overall ratio)."""
    ra, rb = a.get("round_rps"), b.get("round_rps")
    if ra and rb and len(ra) == len(rb) and all(rb):
        return statistics.median(x / y for x, y in zip(ra, rb))
    return a["rps"] / b["rps"] if b["rps"] else None


def measure_login(sc: Scenario, tools: str, password_hash: str, args, slices: int = 5) -> tuple[dict, list[float]]:
    """POST /login at one connection in `slices` slices of the measuring time,
    each followed by a batch of bare verifies. p50: the median of the slices'
    p50; p99: the largest slice p99; req/s over all slices."""
    log(f"{sc.name}: warm-up {args.warmup} s, then {args.seconds} s in {slices} slices, each followed by "
        f"{max(1, args.verify_runs // slices)} bare verifies")
    if args.warmup > 0:
        run_wrk(sc, args.warmup, 1, 1)
    per = max(1, round(args.seconds / slices))
    parts, samples, pairs = [], [], []
    for _ in range(slices):
        parts.append(run_wrk(sc, per, 1, 1))
        batch = bare_verify(tools, password_hash, max(1, args.verify_runs // slices))
        samples += batch
        pairs.append((parts[-1]["p50_ms"], percentile(batch, 50)))
    total = sum(p["requests"] for p in parts)
    out = dict(parts[0])
    out.update({
        "rps": sum(p["rps"] * per for p in parts) / (per * slices),
        "p50_ms": statistics.median(p["p50_ms"] for p in parts),
        "p99_ms": max(p["p99_ms"] for p in parts),
        "mean_ms": sum(p["mean_ms"] * p["requests"] for p in parts) / total if total else 0.0,
        "requests": total,
        "slice_p50_ms": [round(p["p50_ms"], 2) for p in parts],
        # (login p50, bare verify p50) of each slice and the batch after it
        "slice_pairs_ms": [[round(a, 2), round(b, 2)] for a, b in pairs],
    })
    for key in ("socket_errors", "non_2xx_3xx", "unexpected_status", "errors"):
        out[key] = sum(p[key] for p in parts)
    return out, sorted(samples)


def percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return 0.0
    k = (len(sorted_values) - 1) * p / 100.0
    lo = int(k)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (k - lo)


def bare_verify(tools: str, password_hash: str, count: int) -> list[float]:
    r = subprocess.run([os.path.join(tools, "bare_verify"), password_hash, str(count)], input=BENCH_PASSWORD + "\n",
                       capture_output=True, text=True, timeout=300)
    if r.returncode != 0:
        raise RuntimeError(f"bare_verify failed: {r.stderr.strip()}")
    return sorted(float(x) for x in r.stdout.split())


# --------------------------------------------------------------------------
# A logged-in visitor, as wrk will replay it


def bench_user(server: harness.Server, email: str) -> dict:
    c = server.client()
    harness.register(c, email=email, password=BENCH_PASSWORD, name="Bench User")
    harness.login(c, email, BENCH_PASSWORD)
    c.get("/profile")  # the first after logging in may delete a message's cookie: the next is what wrk gets
    profile = c.get("/profile")
    harness.check_status(profile, 200, "GET /profile as the bench user")
    session_cookie = f"sid={c.cookies['sid']}; csrf={c.cookies['csrf']}"
    # A browser without a session that has seen the login form (its CSRF cookie and token).
    anon = server.client()
    form = anon.get("/login")
    harness.check_status(form, 200, "GET /login")
    login_body = harness.encode_form({"csrf_token": form.csrf_token(), "email": email, "password": BENCH_PASSWORD})
    return {
        "cookie": session_cookie,
        "profile_bytes": len(profile.raw_body),
        "profile_response": cgi_response(profile),
        "profile_body": harness.encode_form({"csrf_token": profile.csrf_token(), "name": "Bench User"}),
        "login_cookie": f"csrf={anon.cookies['csrf']}",
        "login_body": login_body,
        "hash": server.query("SELECT password_hash FROM users WHERE email = ?", (email,))[0]["password_hash"],
    }


# What the web server adds on its own, left out of a recorded response.
SERVER_HEADERS = {"date", "server", "content-length", "transfer-encoding", "connection", "keep-alive"}


def cgi_response(r: harness.Response) -> bytes:
    """`r` as the program wrote it: Status, its headers, Content-Length, the body."""
    head = f"Status: {r.status} {r.reason}\r\n" + "".join(
        f"{k}: {v}\r\n" for k, v in r.headers if k.lower() not in SERVER_HEADERS)
    return (head + f"Content-Length: {len(r.raw_body)}\r\n\r\n").encode() + r.raw_body


def write_page_response(server: BenchServer, response: bytes) -> None:
    with open(server.page_response_path, "wb") as f:
        f.write(response)


def write_static(server: BenchServer, size: int) -> None:
    """An HTML page of exactly `size` bytes."""
    head = b"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Static control</title></head><body><p>"
    tail = b"</p></body></html>\n"
    filler = (b"lorem ipsum dolor sit amet " * (size // 27 + 2))[: max(0, size - len(head) - len(tail))]
    with open(os.path.join(server.static_dir, "bench-static.html"), "wb") as f:
        f.write(head + filler + tail)


# --------------------------------------------------------------------------
# Report


def machine() -> dict:
    cpu = ""
    try:
        with open("/proc/cpuinfo") as f:
            m = re.search(r"^model name\s*:\s*(.*)$", f.read(), re.M)
            cpu = m.group(1).strip() if m else ""
    except OSError:
        pass
    mem_kib = 0
    try:
        with open("/proc/meminfo") as f:
            mem_kib = int(re.search(r"^MemTotal:\s*(\d+)", f.read(), re.M).group(1))
    except (OSError, AttributeError):
        pass

    def version(cmd: list[str]) -> str:
        try:
            r = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
            return (r.stdout + r.stderr).strip().splitlines()[0]
        except (OSError, IndexError, subprocess.TimeoutExpired):
            return "?"

    try:
        load = os.getloadavg()[0]
    except OSError:
        load = -1.0
    return {
        "loadavg_1min_at_start": round(load, 2),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(mem_kib / 1024 / 1024, 1),
        "kernel": platform.release(),
        "lighttpd": version(["lighttpd", "-v"]),
        "wrk": version(["wrk", "--version"]),
        "compiler": version([os.environ.get("CXX", "g++"), "--version"]),
    }


def fmt_ratio(x) -> str:
    return "-" if x is None else f"{x:.2f}"


def postgres_schema(cluster: str) -> str:
    """A fresh schema in the cluster (psql); the DATABASE_URL of the nodes."""
    base = open(os.path.join(cluster, "url")).read().strip()
    name = "bench_" + secrets.token_hex(4)
    subprocess.run(["psql", "-X", "-q", base, "-c", f"CREATE SCHEMA {name}"], check=True, capture_output=True, timeout=30)
    return f"{base} options='-c search_path={name}'"


def postgres_version(cluster: str) -> str:
    base = open(os.path.join(cluster, "url")).read().strip()
    r = subprocess.run(["psql", "-X", "-At", base, "-c", "SHOW server_version"], capture_output=True, text=True, timeout=30)
    return r.stdout.strip() or "?"


def report(results: dict, out) -> None:
    m = results["machine"]
    s = results["scenarios"]
    cfg = results["settings"]
    p = lambda text="": print(text, file=out)  # noqa: E731
    p(f"sessionauth bench, {results['date']}: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB, Linux {m['kernel']} "
      f"(load average {m['loadavg_1min_at_start']} at start)")
    p(f"{m['lighttpd']}; {m['wrk']}; -O2 -DNDEBUG; {cfg['procs']} FastCGI processes per page; "
      f"wrk -t{cfg['threads']} -c{cfg['connections']} (post_login -c1), {cfg['warmup']} s warm-up + {cfg['seconds']} s each "
      f"in {cfg['rounds']} rounds taking turns (every answer's status checked in the warm-ups, in a 1 s run after the "
      f"rounds and in each post_login slice); "
      f"Argon2id t={cfg['argon2_opslimit']} m={cfg['argon2_memlimit_kib']} KiB")
    p()
    p(f"{'scenario':<22} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'non-2xx/3xx':>12} {'/static':>8} {'/fcgi':>7}")
    for name in SCENARIOS:
        r = s[name]
        p(f"{name:<22} {r['rps']:>9.1f} {r['p50_ms']:>8.2f} {r['p99_ms']:>8.2f} {r['socket_errors']:>7} "
          f"{max(r['non_2xx_3xx'], r['unexpected_status']):>12} {fmt_ratio(r['ratio_to_static']):>8} "
          f"{fmt_ratio(r['ratio_to_fcgi_control']):>7}")
    for name in PG_SCENARIOS:
        if name in s:
            r = s[name]
            p(f"{name:<22} {r['rps']:>9.1f} {r['p50_ms']:>8.2f} {r['p99_ms']:>8.2f} {r['socket_errors']:>7} "
              f"{max(r['non_2xx_3xx'], r['unexpected_status']):>12} {fmt_ratio(r['ratio_to_static']):>8} "
              f"{fmt_ratio(r['ratio_to_fcgi_control']):>7}")
    gp, pc = s["get_profile"], s["fcgi_page_control"]
    p()
    p(f"GET /profile: {fmt_ratio(gp['ratio_to_fcgi_control'])} x fcgi_control's req/s. The control sending GET /profile's "
      f"recorded bytes (fcgi_page_control, {cfg['profile_response_bytes']} bytes with its headers) gets "
      f"{fmt_ratio(pc['ratio_to_fcgi_control'])} x; GET /profile gets {fmt_ratio(gp['ratio_to_fcgi_page_control'])} x "
      f"fcgi_page_control's: the site's own work, beyond sending that page (medians of the rounds)")
    if "postgres" in results:
        pg = results["postgres"]
        p()
        p(f"PostgreSQL {pg['version']} (a local cluster, fsync off), each node {cfg['procs']} processes per page: "
          f"GET /profile {fmt_ratio(pg['get_profile_to_sqlite'])} x SQLite's req/s, POST /profile "
          f"{fmt_ratio(pg['post_profile_to_sqlite'])} x; two nodes {fmt_ratio(pg['two_nodes_to_one'])} x one node "
          f"(GET /profile, the same connections split between them; medians of the rounds)")
    p()
    p(f"bare crypto_pwhash_str_verify: p50 {results['bare_verify_ms']:.2f} ms (min {results['bare_verify_min_ms']:.2f}, "
      f"{results['bare_verify_samples']} runs); POST /login p50 / bare verify = {results['post_login_to_bare_verify']:.3f} "
      f"({results['post_login_overhead_ms']:+.2f} ms; per slice, login then bare: "
      f"{', '.join(f'{a:.1f}/{b:.1f}' for a, b in s['post_login']['slice_pairs_ms'])} ms)")
    p(f"plain CGI on Apache: cgi_login p50 {s['cgi_login']['p50_ms']:.2f} ms, cgi_control p50 {s['cgi_control']['p50_ms']:.2f} ms; "
      f"time per request {results['cgi_login_time_factor']:.2f} x the control's (req/s ratio "
      f"{s['cgi_login']['ratio_to_cgi_control']:.2f}, median of the rounds)")
    p(f"  a new connection for each request: cgi_login_close p50 {s['cgi_login_close']['p50_ms']:.2f} ms, "
      f"cgi_control_close p50 {s['cgi_control_close']['p50_ms']:.2f} ms; time per request "
      f"{results['cgi_login_close_time_factor']:.2f} x the control's")
    p()
    p("FastCGI processes after 2 s idle (KiB; RSS counts shared library pages in full, PSS shares them out):")
    p(f"{'process':<16} {'RSS':>7} {'shared':>7} {'anon':>6} {'PSS':>6} {'peak RSS':>9}  server")
    for proc in results["processes"]:
        p(f"{proc['program']:<16} {proc['rss_kib']:>7} {proc['file_kib']:>7} {proc['anon_kib']:>6} {proc['pss_kib']:>6} "
          f"{proc['peak_kib']:>9}  {proc['server']}")
    p(f"largest idle RSS of a page process: {results['max_idle_rss_kib']} KiB (PSS {results['max_idle_pss_kib']} KiB)")
    p()
    p("targets (figures only; the bench never fails on them):")
    for t in results["targets"]:
        p(f"  {'met   ' if t['met'] else 'MISSED'} {t['what']}: {t['detail']}")


def targets(results: dict) -> list[dict]:
    s = results["scenarios"]
    out = []

    def add(what, met, detail):
        out.append({"what": what, "met": bool(met), "detail": detail})

    def wrong(name):  # answers that went wrong (see "no errors"), so its req/s mean nothing
        return s[name]["errors"] or s[name].get("rounds_off_size")

    for name in ("get_profile", "get_login"):
        ratio, want = s[name]["ratio_to_fcgi_control"], TARGET_PAGE_TO_FCGI[name]
        bad = wrong(name) or wrong("fcgi_control")
        add(f"{name} >= {want} x fcgi_control req/s", ratio >= want and not bad,
            f"{ratio:.2f}" + (", but answers went wrong (see no errors)" if bad else "") + ("" if ratio >= want else
                               f", short by {(want - ratio) / want * 100:.0f} % "
                               f"({want * s['fcgi_control']['rps']:.0f} req/s needed, {s[name]['rps']:.0f} measured)"))
    factor = results["cgi_login_time_factor"]
    add(f"cgi_login time per request <= {TARGET_CGI_TO_CONTROL} x cgi_control's", factor <= TARGET_CGI_TO_CONTROL,
        f"{factor:.2f} x (p50 {s['cgi_login']['p50_ms']:.2f} against {s['cgi_control']['p50_ms']:.2f} ms)" +
        ("" if factor <= TARGET_CGI_TO_CONTROL else f", over by {(factor / TARGET_CGI_TO_CONTROL - 1) * 100:.0f} %") +
        f"; a new connection for each request: {results['cgi_login_close_time_factor']:.2f} x")
    margin = results["post_login_margin_ms"]
    add(f"post_login p50 <= {TARGET_LOGIN_FACTOR} x bare verify + {TARGET_LOGIN_SLACK_MS:g} ms", margin >= 0,
        f"ratio {results['post_login_to_bare_verify']:.3f}, {results['post_login_overhead_ms']:+.2f} ms "
        f"(medians over {len(s['post_login']['slice_pairs_ms'])} slices)" +
        (f", {margin:.2f} ms inside the limit" if margin >= 0 else f", over the limit by {-margin:.2f} ms"))
    worst = max(results["processes"], key=lambda p: p["rss_kib"] if p["page"] else -1)
    over = [p for p in results["processes"] if p["page"] and p["rss_kib"] >= TARGET_IDLE_RSS_KIB]
    add(f"each idle FastCGI page process < {TARGET_IDLE_RSS_KIB // 1024} MiB RSS", not over,
        f"largest {worst['rss_kib']} KiB ({worst['program']})" +
        ("" if not over else f", {len(over)} of {sum(p['page'] for p in results['processes'])} over, worst by "
                             f"{worst['rss_kib'] - TARGET_IDLE_RSS_KIB} KiB"))
    errs = [f"{n}: {r['errors']}" for n, r in s.items() if r["errors"]]
    errs += [f"{n}: rounds {r['rounds_off_size']} answered with another size than the checked answers' "
             f"{r['bytes_per_answer']:.0f} bytes" for n, r in s.items() if r.get("rounds_off_size")]
    add("no errors", not errs, "none" if not errs else ", ".join(errs))
    small, large = s["get_profile"]["rps"], s["get_profile_large_db"]["rps"]
    drop = 1.0 - results["large_db_to_small_db"]
    add(f"get_profile with the large database within {TARGET_LARGE_DB * 100:.0f} % of the small one",
        abs(drop) <= TARGET_LARGE_DB,
        f"{large:.0f} against {small:.0f} req/s ({-drop * 100:+.1f} %); p99 {s['get_profile_large_db']['p99_ms']:.2f} "
        f"against {s['get_profile']['p99_ms']:.2f} ms" +
        ("" if abs(drop) <= TARGET_LARGE_DB else f", off by {(abs(drop) - TARGET_LARGE_DB) * 100:.1f} points beyond the 10 %"))
    return out


# --------------------------------------------------------------------------


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", required=True)
    ap.add_argument("--build", required=True, help="the -O2 build of the site")
    ap.add_argument("--tools", required=True, help="where fcgi_control and bare_verify are")
    ap.add_argument("--json", help="also write the figures to this file")
    ap.add_argument("--seconds", type=int, default=int(os.environ.get("BENCH_SECONDS", "20")))
    ap.add_argument("--warmup", type=int, default=int(os.environ.get("BENCH_WARMUP", "2")))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--connections", type=int, default=8)
    ap.add_argument("--procs", type=int, default=2, help="FastCGI processes per page (and for the control)")
    ap.add_argument("--cgi-workers", type=int, default=2)
    ap.add_argument("--verify-runs", type=int, default=30)
    ap.add_argument("--rounds", type=int, default=10,
                    help="the scenarios take turns in this many rounds (--seconds / rounds each)")
    ap.add_argument("--cache", help="where to keep the large database between runs (default: BUILD)")
    ap.add_argument("--postgres", metavar="DIR", help="a cluster of tests/pg/cluster.sh: the PostgreSQL scenarios too")
    args = ap.parse_args(argv)
    for tool in ("wrk", "lighttpd"):
        if shutil.which(tool) is None:
            print(f"bench: {tool} is not installed", file=sys.stderr)
            return 2
    root, build, tools = (os.path.abspath(x) for x in (args.root, args.build, args.tools))

    large_path = os.path.join(os.path.abspath(args.cache or build), f"bench-large-{LARGE_USERS}u-{LARGE_SESSIONS}s.sqlite")
    if not os.path.exists(large_path):
        log(f"making the large database ({LARGE_USERS} users, {LARGE_SESSIONS} sessions) in {large_path}")
        make_large_db(large_path, build, root)
    work = tempfile.mkdtemp(prefix="sessionauth-bench-")
    large_copy = os.path.join(work, "large.sqlite")
    shutil.copyfile(large_path, large_copy)
    refresh_large_db(large_copy)

    small = BenchServer(root, build, label="bench", max_procs=args.procs, tools=tools)
    large = BenchServer(root, build, label="bench-large", max_procs=args.procs, tools=tools, seed_db=large_copy)
    cgi = BenchCgiServer(root, build, label="bench-cgi", tools=tools)
    pg_nodes: list[BenchServer] = []
    if args.postgres:
        env = {"SECRET_KEY": harness.random_hex(32), "DATABASE_URL": postgres_schema(args.postgres)}
        pg_nodes = [BenchServer(root, build, label=f"bench-pg-{n}", max_procs=args.procs, tools=tools, env=env,
                                controls=False)
                    for n in ("a", "b")]
    results: dict = {"date": time.strftime("%Y-%m-%d %H:%M:%S %z"), "machine": machine(), "scenarios": {}}
    try:
        small.start()
        log(f"site at {small.base_url} ({small.dir})")
        user = bench_user(small, "bench@bench.example")
        write_static(small, user["profile_bytes"])
        write_page_response(small, user["profile_response"])
        settings = small.env_settings()
        results["settings"] = {"seconds": args.seconds, "warmup": args.warmup, "threads": args.threads,
                               "connections": args.connections, "procs": args.procs, "cgi_workers": args.cgi_workers,
                               "argon2_opslimit": int(settings["ARGON2_OPSLIMIT"]),
                               "argon2_memlimit_kib": int(settings["ARGON2_MEMLIMIT_KIB"]),
                               "profile_page_bytes": user["profile_bytes"],
                               "profile_response_bytes": len(user["profile_response"])}
        u = small.url
        plan = [
            Scenario("static_control", u("/bench-static.html"), 200),
            Scenario("fcgi_control", u("/bench-fcgi"), 200),
            Scenario("fcgi_page_control", u("/bench-fcgi-page"), 200),
            Scenario("get_login", u("/login"), 200),
            Scenario("get_profile", u("/profile"), 200, cookie=user["cookie"]),
            Scenario("post_profile", u("/profile"), 303, method="POST", body=user["profile_body"], cookie=user["cookie"]),
            Scenario("post_login", u("/login"), 303, method="POST", body=user["login_body"], cookie=user["login_cookie"],
                     connections=1, threads=1),
        ]
        large.start()
        log(f"large-database site at {large.base_url} ({large.dir})")
        big_user = bench_user(large, "bench@bench.example")
        results["settings"]["large_db"] = {"users": large.query("SELECT count(*) AS n FROM users")[0]["n"],
                                           "sessions": large.query("SELECT count(*) AS n FROM sessions")[0]["n"],
                                           "bytes": os.path.getsize(large.db_path)}
        plan.append(Scenario("get_profile_large_db", large.url("/profile"), 200, cookie=big_user["cookie"]))
        for node in pg_nodes:
            node.start()
            log(f"PostgreSQL node at {node.base_url} ({node.dir})")
        if pg_nodes:
            a, b = pg_nodes
            pg_user = bench_user(a, "bench@bench.example")
            plan.append(Scenario("get_profile_pg", a.url("/profile"), 200, cookie=pg_user["cookie"]))
            plan.append(Scenario("post_profile_pg", a.url("/profile"), 303, method="POST", body=pg_user["profile_body"],
                                 cookie=pg_user["cookie"]))
            plan.append(Scenario("get_profile_pg_two_nodes", a.url("/profile"), 200, cookie=pg_user["cookie"],
                                 also=(b.url("/profile"),)))
        cgi.start()
        log(f"plain-CGI site at {cgi.base_url} ({cgi.dir})")
        w = args.cgi_workers
        plan.append(Scenario("cgi_login", cgi.url("/login"), 200, connections=w, threads=w))
        plan.append(Scenario("cgi_control", cgi.url("/bench-cgi/control.cgi"), 200, connections=w, threads=w))
        # The same with a new connection for each request: mod_cgid ends a
        # request by sending SIGTERM to its process and, if the process is
        # not gone yet, sleeping 10 ms before it looks again, with the
        # keep-alive connection held; these two show the programs without
        # that wait.
        plan.append(Scenario("cgi_login_close", cgi.url("/login"), 200, connections=w, threads=w, close=True))
        plan.append(Scenario("cgi_control_close", cgi.url("/bench-cgi/control.cgi"), 200, connections=w, threads=w,
                             close=True))
        results["settings"]["rounds"] = args.rounds
        results["settings"]["round_seconds"] = max(1, round(args.seconds / args.rounds))
        results["settings"]["status_check"] = "warm-ups, a 1 s run after the rounds, every post_login slice"
        results["scenarios"].update(measure_rounds([sc for sc in plan if sc.name != "post_login"], args, args.rounds))
        # POST /login and the bare verify in alternating slices, so that both
        # see the same machine (on a shared one, other load comes and goes).
        login_sc = next(sc for sc in plan if sc.name == "post_login")
        login, samples = measure_login(login_sc, tools, user["hash"], args)
        results["scenarios"]["post_login"] = login
        results["bare_verify_ms"] = percentile(samples, 50)
        results["bare_verify_min_ms"] = samples[0]
        results["bare_verify_samples"] = len(samples)

        time.sleep(2)  # idle
        procs = []
        for server, label in ((small, "small db"), (large, "large db")):
            for program, pid in server.fastcgi_processes():
                st = proc_status(pid)
                procs.append({"program": program, "pid": pid, "server": label, "page": program.startswith("auth-"),
                              "rss_kib": st.get("VmRSS", 0), "anon_kib": st.get("RssAnon", 0),
                              "file_kib": st.get("RssFile", 0), "pss_kib": st.get("Pss", 0),
                              "private_dirty_kib": st.get("Private_Dirty", 0), "peak_kib": st.get("VmHWM", 0)})
        results["processes"] = procs
    finally:
        for server in [cgi, large, small] + pg_nodes:
            try:
                server.stop()
            except Exception as e:  # noqa: BLE001 - stop the other too
                log(f"could not stop {server.label}: {e}")
        shutil.rmtree(work, ignore_errors=True)

    s = results["scenarios"]
    for name, r in s.items():
        r["ratio_to_static"] = round_ratio(r, s["static_control"])
        r["ratio_to_fcgi_control"] = round_ratio(r, s["fcgi_control"])
    s["get_profile"]["ratio_to_fcgi_page_control"] = round_ratio(s["get_profile"], s["fcgi_page_control"])
    results["large_db_to_small_db"] = round_ratio(s["get_profile_large_db"], s["get_profile"])
    if "get_profile_pg" in s:
        results["postgres"] = {
            "version": postgres_version(args.postgres),
            "get_profile_to_sqlite": round_ratio(s["get_profile_pg"], s["get_profile"]),
            "post_profile_to_sqlite": round_ratio(s["post_profile_pg"], s["post_profile"]),
            "two_nodes_to_one": round_ratio(s["get_profile_pg_two_nodes"], s["get_profile_pg"]),
        }
    s["cgi_login"]["ratio_to_cgi_control"] = round_ratio(s["cgi_login"], s["cgi_control"])
    # Time per request against the control's (the inverse of the req/s ratio).
    results["cgi_login_time_factor"] = 1.0 / s["cgi_login"]["ratio_to_cgi_control"]
    s["cgi_login_close"]["ratio_to_cgi_control"] = round_ratio(s["cgi_login_close"], s["cgi_control_close"])
    results["cgi_login_close_time_factor"] = 1.0 / s["cgi_login_close"]["ratio_to_cgi_control"]
    # Per slice (login, then the bare verifies right after it), so that load
    # from outside the bench that comes and goes cancels out: medians of those.
    pairs = s["post_login"]["slice_pairs_ms"]
    results["post_login_to_bare_verify"] = statistics.median(a / b for a, b in pairs)
    results["post_login_overhead_ms"] = statistics.median(a - b for a, b in pairs)
    results["post_login_margin_ms"] = statistics.median(
        (TARGET_LOGIN_FACTOR * b + TARGET_LOGIN_SLACK_MS) - a for a, b in pairs)
    results["max_idle_rss_kib"] = max((p["rss_kib"] for p in results["processes"] if p["page"]), default=0)
    results["max_idle_pss_kib"] = max((p["pss_kib"] for p in results["processes"] if p["page"]), default=0)
    results["max_peak_rss_kib"] = max((p["peak_kib"] for p in results["processes"] if p["page"]), default=0)
    results["targets"] = targets(results)
    report(results, sys.stdout)
    if args.json:
        ordered = dict(results)
        ordered["scenarios"] = {name: s[name] for name in SCENARIOS + PG_SCENARIOS if name in s}
        with open(args.json, "w") as f:
            json.dump(ordered, f, indent=2)
            f.write("\n")
        log(f"JSON written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
