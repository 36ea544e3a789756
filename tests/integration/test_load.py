"""Load and faults: 32 browsers at once against a server of its own, mixing
registrations, logins, profile reads and updates, password changes and
logouts (and, in the second test, reset requests), while

  test_load_sigkill     midway one FastCGI process of every page is killed
                        with SIGKILL;
  test_load_smtp_down   the SMTP server (maildev) is stopped for a while and
                        comes back.

Afterwards: every registration, name update and password change that got its
303 is in the database; no answer was a 5xx except those of requests in
flight at a kill (of the program that was killed); no SQLITE_BUSY reached a
visitor (no 503, no "database is locked" or "database busy" in the log);
PRAGMA integrity_check says ok; and, in the second test, every queued mail
(reset links, password-change notices) arrives exactly once after the SMTP
server is back.

Bounded: LOAD_SECONDS (default 16) of load per test, then the checks. Each
browser comes from a loopback address of its own (127.0.3.x), so the per
address limits (login failures, reset requests) never interfere; every login
uses the right password.
"""

from __future__ import annotations

import os
import random
import signal
import threading
import time
from dataclasses import dataclass, field

from harness import PROGRAMS, alive, check, check_eq, form_values, new_email, new_password, skip
from mailcatcher import MailDev

CLIENTS = 32
SECONDS = float(os.environ.get("LOAD_SECONDS", "16"))

PROGRAM_OF = {
    "/": "auth-home",
    "/register": "auth-register",
    "/login": "auth-login",
    "/logout": "auth-logout",
    "/profile": "auth-profile",
    "/profile/password": "auth-profile",
    "/reset": "auth-reset",
    "/reset/confirm": "auth-reset",
}


@dataclass
class Op:
    client: int
    method: str
    path: str
    expect: int
    t0: float
    t1: float = 0.0
    status: int | None = None
    error: str | None = None
    body_start: str = ""

    @property
    def program(self) -> str:
        return PROGRAM_OF.get(self.path, "?")

    def brief(self) -> str:
        got = self.status if self.status is not None else self.error
        return f"{self.method} {self.path} -> {got} (expected {self.expect}) at {self.t0:.2f}..{self.t1:.2f}"


@dataclass
class Account:
    client: int
    email: str
    password: str
    name: str
    # (value, got its 303) in the order they were sent
    names: list = field(default_factory=list)
    passwords: list = field(default_factory=list)  # [value, got its 303, sent at]
    resets: int = 0      # reset requests answered 200
    notices: int = 0     # password changes answered 303 (each queues a notice mail)


class Load:
    """The shared machinery of both tests: browsers, a record of every request."""

    def __init__(self, server, clients: int = CLIENTS, resets: bool = False):
        self.s = server
        self.clients = clients
        self.resets = resets
        self.ops: list[Op] = []
        self.accounts: list[Account] = []
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.start = time.monotonic()
        self.worker_errors: list[str] = []

    def now(self) -> float:
        return time.monotonic() - self.start

    # -- one request, recorded, never raising
    def request(self, c, i: int, method: str, path: str, expect: int, fields: dict | None = None):
        op = Op(i, method, path, expect, self.now())
        r = None
        try:
            if method == "GET":
                r = c.get(path)
            else:
                r = c.post(path, fields or {})
            op.status = r.status
            if r.status >= 500:
                op.body_start = r.text()[:120]
        except Exception as e:  # noqa: BLE001 - a broken connection is an outcome
            op.error = f"{type(e).__name__}: {e}"[:200]
        op.t1 = self.now()
        with self.lock:
            self.ops.append(op)
        return r if (r is not None and r.status == expect) else None

    def csrf(self, c, i: int, path: str) -> str | None:
        page = self.request(c, i, "GET", path, 200)
        if page is None:
            return None
        tokens = form_values(page.body, "csrf_token")
        return tokens[0] if tokens else None

    def post_form(self, c, i: int, form_path: str, action: str, fields: dict, expect: int):
        token = self.csrf(c, i, form_path)
        if token is None:
            return None
        return self.request(c, i, "POST", action, expect, dict(fields, csrf_token=token))

    # -- what a browser does
    def register(self, c, i: int) -> Account | None:
        acct = Account(i, new_email(f"load{i}"), new_password(), f"Load Client {i}")
        r = self.post_form(c, i, "/register", "/register", {"name": acct.name, "email": acct.email,
                                                            "password": acct.password, "password_confirm": acct.password}, 303)
        if r is None:
            return None
        with self.lock:
            self.accounts.append(acct)
        return acct

    def login(self, c, i: int, acct: Account) -> bool:
        c.cookies.pop("sid", None)
        return self.post_form(c, i, "/login", "/login", {"email": acct.email, "password": acct.password}, 303) is not None

    def worker(self, i: int) -> None:
        rng = random.Random(i * 7919 + int(self.start))
        c = self.s.client()
        c.timeout = 30
        c.source_address = (f"127.0.3.{1 + i}", 0)
        acct: Account | None = None
        logged_in = False
        n = 0
        try:
            while not self.stop.is_set():
                if acct is None or rng.random() < 0.04:
                    acct = self.register(c, i)
                    logged_in = acct is not None and self.login(c, i, acct)
                    continue
                if not logged_in:
                    logged_in = self.login(c, i, acct)
                    continue
                roll = rng.random()
                n += 1
                if roll < 0.45:
                    self.request(c, i, "GET", "/profile", 200)
                elif roll < 0.75:
                    name = f"Load Client {i} v{n}"
                    token = self.csrf(c, i, "/profile")
                    if token is None:
                        continue
                    acct.names.append([name, False])
                    if self.request(c, i, "POST", "/profile", 303, {"csrf_token": token, "name": name}) is not None:
                        acct.names[-1][1] = True
                elif roll < 0.80:
                    fresh = new_password()
                    token = self.csrf(c, i, "/profile")
                    if token is None:
                        continue
                    acct.passwords.append([fresh, False, self.now()])
                    r = self.request(c, i, "POST", "/profile/password", 303,
                                     {"csrf_token": token, "current_password": acct.password, "new_password": fresh,
                                      "new_password_confirm": fresh})
                    if r is not None:
                        acct.passwords[-1][1] = True
                        acct.password = fresh
                        acct.notices += 1
                elif roll < 0.86:
                    self.request(c, i, "GET", "/", 200)
                elif roll < 0.92:
                    if self.post_form(c, i, "/logout", "/logout", {}, 303) is not None:
                        logged_in = False
                elif self.resets and acct.resets == 0 and roll < 0.97:
                    # One reset request per account (the site allows 3 an hour per account).
                    if self.post_form(c, i, "/reset", "/reset", {"email": acct.email}, 200) is not None:
                        acct.resets += 1
                else:
                    self.request(c, i, "GET", "/login", 200)
        except Exception as e:  # noqa: BLE001 - reported by the test
            with self.lock:
                self.worker_errors.append(f"client {i}: {type(e).__name__}: {e}")

    def run(self, seconds: float, midway=None, midway_at: float | None = None) -> None:
        threads = [threading.Thread(target=self.worker, args=(i,), daemon=True) for i in range(self.clients)]
        for t in threads:
            t.start()
        if midway is not None:
            time.sleep(max(0.0, (midway_at if midway_at is not None else seconds / 2) - self.now()))
            midway(self)
        time.sleep(max(0.0, seconds - self.now()))
        self.stop.set()
        for t in threads:
            t.join(timeout=60)
        check(all(not t.is_alive() for t in threads), "every browser finished within a minute of the end")
        check(not self.worker_errors, f"browsers stopped by an error: {self.worker_errors[:3]}")

    # -- the checks both tests share
    def check_stored(self) -> None:
        conn = self.s.db()
        try:
            users = {row["email"]: row["name"] for row in conn.execute("SELECT email, name FROM users")}
        finally:
            conn.close()
        lost = [a.email for a in self.accounts if a.email not in users]
        check(not lost, f"{len(lost)} registrations answered 303 but not in the database: {lost[:5]}")
        wrong = []
        for a in self.accounts:
            # The last name that got its 303, or one sent after it whose answer was lost.
            last_ok = max((k for k, (_, ok) in enumerate(a.names) if ok), default=-1)
            allowed = {a.names[last_ok][0] if last_ok >= 0 else a.name} | {n for n, _ in a.names[last_ok + 1:]}
            if users.get(a.email) not in allowed:
                wrong.append((a.email, users.get(a.email), sorted(allowed)))
        check(not wrong, f"{len(wrong)} profiles lost an update answered 303: {wrong[:3]}")

    def check_passwords(self) -> None:
        """Every account that tried to change its password logs in with the newest
        password that got its 303 (or its first one, or one sent after the last
        303 whose answer was lost)."""
        changed = [a for a in self.accounts if a.passwords]
        failures = []
        for k, a in enumerate(changed):
            last_ok = max((j for j, (_, ok, _) in enumerate(a.passwords) if ok), default=-1)
            # a.password: the last one confirmed by a 303 (or the first one).
            candidates = [a.password] + [p for p, _, _ in a.passwords[last_ok + 1:]]
            c = self.s.client()
            c.source_address = (f"127.0.4.{1 + k % 250}", 0)
            ok = False
            tried = []
            for p in candidates:
                page = c.get("/login")
                tokens = form_values(page.body, "csrf_token")
                r = c.post("/login", {"csrf_token": tokens[0] if tokens else "", "email": a.email, "password": p})
                tried.append(r.status)
                if r.status == 303:
                    ok = True
                    break
            if candidates and not ok:
                def answer(at: float) -> str:
                    sent = [o for o in self.ops if o.path == "/profile/password" and o.client == a.client and o.t0 >= at]
                    o = min(sent, key=lambda o: o.t0, default=None)
                    return "?" if o is None else f"{o.status or o.error} at {o.t0:.2f}..{o.t1:.2f}"
                history = [(ok_, answer(at)) for (_, ok_, at) in a.passwords]
                failures.append(f"{a.email}: changes (303?, answer) {history}, logins {tried}")
        check(not failures, f"{len(failures)} accounts do not log in with their last confirmed password: {failures[:3]}")

    def unexpected(self, allowed) -> list[Op]:
        return [op for op in self.ops if op.status != op.expect and not allowed(op)]

    def log(self) -> str:
        """The web server's error log and the programs' stderr (where lighttpd leaves it)."""
        text = self.s.log_text()
        try:
            with open(os.path.join(self.s.dir, "server.stderr"), "rb") as f:
                text += f.read().decode(errors="replace")
        except OSError:
            pass
        return text

    def check_log_and_db(self) -> None:
        busy = [op for op in self.ops if op.status == 503]
        check(not busy, f"{len(busy)} answers were 503 (SQLITE_BUSY reached a visitor?): {[o.brief() for o in busy[:3]]}")
        log = self.log()
        locked = [line for line in log.splitlines() if "database is locked" in line or "database busy" in line]
        check(not locked, f"{len(locked)} lines about a busy database in the log: {locked[:3]}")
        check_eq(self.s.query("PRAGMA integrity_check")[0][0], "ok", "PRAGMA integrity_check")

    def check_mail_once(self, md, expected: dict[str, int], when: str) -> None:
        """Every mail queued (expected: address -> count) arrives, once; the
        site retries with backoff after later requests, so some are sent."""
        t0 = time.monotonic()
        deadline = t0 + 90
        poker = self.s.client()
        while True:
            pending = self.s.query("SELECT count(*) AS n FROM outbox")[0]["n"]
            if pending == 0 or time.monotonic() > deadline:
                break
            poker.get("/login")
            time.sleep(0.5)
        time.sleep(1.5)  # the last forked delivery finishing
        got: dict[str, int] = {}
        for m in md.mails():
            # Mail restored from maildev's directory after its restart may lack the envelope.
            for addr in {a.lower() for a in m.envelope_to + m.header_to}:
                got[addr] = got.get(addr, 0) + 1
        print(f"#   {sum(expected.values())} mails queued for {len(expected)} accounts "
              f"({sum(a.resets for a in self.accounts)} reset links, {sum(a.notices for a in self.accounts)} "
              f"password changes); outbox empty {time.monotonic() - t0:.1f} s after the load", flush=True)
        check_eq(pending, 0, f"mails still in the outbox {deadline - t0:.0f} s after the load ({when})")
        missing = {e: (n, got.get(e.lower(), 0)) for e, n in expected.items() if got.get(e.lower(), 0) < n}
        extra = {e: (n, got.get(e.lower(), 0)) for e, n in expected.items() if got.get(e.lower(), 0) > n}
        check(not missing, f"{len(missing)} accounts missing mail (expected, got): {list(missing.items())[:3]}")
        check(not extra, f"{len(extra)} accounts got a mail more than once (expected, got): {list(extra.items())[:3]}")

    def summary(self) -> str:
        by = {}
        for op in self.ops:
            key = f"{op.method} {op.path}"
            by[key] = by.get(key, 0) + 1
        done = sum(1 for op in self.ops if op.status == op.expect)
        took = max((op.t1 for op in self.ops), default=0.0)
        return (f"{len(self.ops)} requests ({done} as expected) in {took:.1f} s by {self.clients} browsers, "
                f"{len(self.accounts)} accounts; " + ", ".join(f"{k} {v}" for k, v in sorted(by.items())))


def _only_lighttpd(ctx) -> None:
    if ctx.server_cls.kind != "lighttpd":
        skip("the load tests run on lighttpd only (the time budget of ./dev test)")


def _programs(server) -> list[str]:
    names = list(server.required_programs()) if hasattr(server, "required_programs") else []
    return sorted(set(names) | set(PROGRAMS))


def test_load_sigkill(ctx):
    _only_lighttpd(ctx)
    md = MailDev(ctx.args.root, label="maildev-load", keep=ctx.args.keep).start()  # password-change notices
    try:
        with ctx.separate_server("load-kill", env=md.env()) as s:
            kills: dict[str, tuple[int, float, float]] = {}  # program -> (pid, killed at, gone at)

            def kill_one_of_each(load: Load) -> None:
                for program in _programs(s):
                    pids = s.program_pids(program)
                    if not pids:
                        continue
                    victim = pids[0]
                    os.kill(victim, signal.SIGKILL)
                    at = load.now()
                    # A process inside a system call (an fsync, say) dies only when it returns;
                    # until then lighttpd still hands it requests, which die with it.
                    deadline = time.monotonic() + 5
                    while alive(victim) and time.monotonic() < deadline:
                        time.sleep(0.002)
                    kills[program] = (victim, at, load.now())

            load = Load(s)
            load.run(SECONDS, kill_one_of_each)
            print(f"#   load with SIGKILL: {load.summary()}; killed at "
                  f"{', '.join(f'{p} {at:.2f} s (gone {gone - at:.3f} s later)' for p, (_, at, gone) in sorted(kills.items()))}", flush=True)
            check(set(kills) >= {"auth-register", "auth-login", "auth-profile"},
                  f"a process of every page was killed: {sorted(kills)}")

            def in_flight_at_kill(op: Op) -> bool:
                if op.program not in kills or (op.status is not None and op.status < 500):
                    return False
                _, killed, gone = kills[op.program]
                return op.t0 <= gone + 0.05 and op.t1 >= killed - 0.05

            allowed = [op for op in load.ops if op.status != op.expect and in_flight_at_kill(op)]
            bad = load.unexpected(in_flight_at_kill)
            ctx.note(f"answers lost to the kill: {[o.brief() for o in allowed]}")
            check(not bad, f"{len(bad)} unexpected answers (besides {len(allowed)} in flight at the kill): "
                           f"{[o.brief() + ' ' + o.body_start for o in bad[:5]]}; log: "
                           f"{[line for line in load.log().splitlines() if 'gw_backend' in line][-8:]}")
            check(len(allowed) <= CLIENTS, f"{len(allowed)} requests lost to the kill")
            load.check_stored()
            load.check_log_and_db()
            for program, (victim, _, _) in kills.items():
                check(victim not in s.program_pids(program), f"the killed {program} ({victim}) is gone")
            load.check_passwords()
            # Every page answers again (lighttpd started new processes).
            c = s.client()
            for path in ("/", "/register", "/login", "/logout", "/reset"):
                r = c.get(path)
                check(r.status < 500, f"GET {path} after the kills: {r.status}")
    finally:
        md.close(keep=ctx.args.keep)


def test_load_smtp_down(ctx):
    _only_lighttpd(ctx)
    md = MailDev(ctx.args.root, label="maildev-load", keep=ctx.args.keep).start()
    try:
        with ctx.separate_server("load-smtp", env=md.env()) as s:
            window: dict[str, float] = {}

            def smtp_down(load: Load) -> None:
                window["down"] = load.now()
                md.stop()

            # What the site queues, whatever queues it (reset links, notices): a
            # trigger in this server's own database counts every outbox row.
            conn = s.db()
            try:
                conn.executescript("""
                    CREATE TABLE load_test_queued (recipient TEXT NOT NULL);
                    CREATE TRIGGER load_test_queued AFTER INSERT ON outbox
                    BEGIN INSERT INTO load_test_queued (recipient) VALUES (new.recipient); END;
                """)
            finally:
                conn.close()
            load = Load(s, resets=True)
            # Down from a quarter of the run; restarted from 60 % on (maildev takes a moment to start).
            threads_done = threading.Event()

            def bring_back() -> None:
                deadline = time.monotonic() + SECONDS  # bounded even if the load ends early
                while time.monotonic() < deadline and not threads_done.is_set():
                    if "down" in window and load.now() >= SECONDS * 0.6:
                        break
                    time.sleep(0.05)
                md.start()
                window["up"] = load.now()

            restarter = threading.Thread(target=bring_back, daemon=True)
            restarter.start()
            try:
                load.run(SECONDS, smtp_down, midway_at=SECONDS * 0.25)
            finally:
                threads_done.set()
                restarter.join(timeout=60)
                if not md.running:
                    md.start()
            print(f"#   load with SMTP down from {window.get('down', 0):.1f} s to {window.get('up', 0):.1f} s: "
                  f"{load.summary()}", flush=True)
            bad = load.unexpected(lambda op: False)
            check(not bad, f"{len(bad)} unexpected answers: {[o.brief() + ' ' + o.body_start for o in bad[:5]]}")
            load.check_stored()
            load.check_log_and_db()
            check(sum(a.resets for a in load.accounts) >= 5, "enough reset requests were made")
            expected: dict[str, int] = {}
            for row in s.query("SELECT lower(recipient) AS r, count(*) AS n FROM load_test_queued GROUP BY lower(recipient)"):
                expected[row["r"]] = row["n"]
            few = [(a.email, a.resets, expected.get(a.email.lower(), 0)) for a in load.accounts
                   if expected.get(a.email.lower(), 0) < a.resets]
            check(not few, f"reset requests answered 200 without a mail queued (account, asked, queued): {few[:3]}")

            load.check_mail_once(md, expected, "after the SMTP server is back")
            failed_attempts = [line for line in load.log().splitlines() if "not delivered" in line]
            check(failed_attempts, "no delivery failed while the SMTP server was down (was it down?)")
    finally:
        md.close(keep=ctx.args.keep)
