"""Two nodes sharing one PostgreSQL database (run.py --postgres): two
lighttpd servers on two ports, the same SECRET_KEY and DATABASE_URL, as two
machines behind a load balancer would be. One browser's requests go to
either node:

  register on A, log in on B; a logout on B ends the session on A; the
  throttle counts failures made on both nodes together; a reset link mailed
  by A works on B; and 32 browsers spread over both nodes while PostgreSQL is
  restarted (pg_ctl restart -m fast): every change answered 303 is in the
  database afterwards, every queued mail is delivered once, and no answer
  is a 5xx except for requests in flight at the restart.
"""

from __future__ import annotations

import base64
import random
import re
import threading
import time

from harness import (ADMIN_PASSWORD, ADMIN_USER, check, check_eq, check_in, check_status, login, new_email,
                     new_password, new_source, register, random_hex, session_count, skip, user_row)
from mailcatcher import MailDev
from test_load import SECONDS, Load, Op

GENERIC = "The email address or the password is not right."
RESET_LINK = re.compile(r"https?://[^\s\"'<>]+?(/reset/confirm\?token=[A-Za-z0-9_-]+)")


def _postgres(ctx) -> None:
    if not ctx.args.postgres:
        skip("two nodes need a shared database: run.py --postgres")


def _node_env(ctx, label: str, md: MailDev) -> dict:
    """The settings both nodes share: the key, the database, the mail server."""
    return {"SECRET_KEY": random_hex(32), "DATABASE_URL": ctx.postgres_schema(label), **md.env()}


def _nodes(ctx):
    """Nodes A and B (and their mail catcher), shared by the tests of this module."""
    _postgres(ctx)
    pair = getattr(ctx, "two_nodes", None)
    if pair is None:
        md = MailDev(ctx.args.root, label="maildev-nodes", keep=ctx.args.keep).start()
        env = _node_env(ctx, "nodes", md)
        pair = (ctx.shared_server("node-a", env), ctx.shared_server("node-b", env), md)
        ctx.two_nodes = pair
    return pair


def _on(node, browser):
    """The same browser (its cookies) talking to another node."""
    c = node.client()
    c.cookies = browser.cookies
    c.source_address = browser.source_address
    return c


def test_two_nodes_register_on_a_log_in_on_b(ctx):
    a, b, _ = _nodes(ctx)
    on_a = a.client()
    email, password = register(on_a)
    on_b = _on(b, on_a)
    login(on_b, email, password)
    page = on_b.get("/profile")
    check_status(page, 200, "the profile on B")
    check_in(email, page.text(), "B shows the account made on A")
    check_status(_on(a, on_b).get("/profile"), 200, "the session made on B, on A")


def test_two_nodes_logout_on_b_ends_session_on_a(ctx):
    a, b, _ = _nodes(ctx)
    on_a = a.client()
    email, password = register(on_a)
    login(on_a, email, password)
    check_status(on_a.get("/profile"), 200, "logged in on A")
    sid = on_a.sid
    on_b = _on(b, on_a)
    check_status(on_b.submit("/logout", {}), 303, "logging out on B")
    check_eq(session_count(a, email), 0, "sessions left in the database")
    stale = a.client()
    stale.cookies["sid"] = sid  # the old cookie, kept by someone
    r = stale.get("/profile")
    check_status(r, 303, "the session ended on B, on A")
    check(r.location and "/login" in r.location, f"to the login page: {r.location}")


def test_two_nodes_admin_lock_on_a_ends_sessions_on_b(ctx):
    a, b, _ = _nodes(ctx)
    person = b.client()
    email, password = register(person)
    login(person, email, password)
    check_status(person.get("/profile"), 200, "logged in on B")
    uid = user_row(a, email)["id"]
    admin = a.client()
    admin.extra_headers["Authorization"] = "Basic " + base64.b64encode(f"{ADMIN_USER}:{ADMIN_PASSWORD}".encode()).decode()
    r = admin.submit(f"/admin/user?id={uid}", {"id": str(uid)}, action="/admin/user/lock")
    check_status(r, 303, "the lock on A's admin area")
    check_eq(session_count(a, email), 0, "sessions left after the lock")
    r = person.get("/profile")
    check_status(r, 303, "B's session after the lock on A")
    refused = b.client().submit("/login", {"email": email, "password": password})
    check_status(refused, 403, "a login on B of the account locked on A")
    check_in("This account is locked", refused.text(), "B says why")


def test_two_nodes_throttle_counts_both_nodes(ctx):
    a, b, _ = _nodes(ctx)
    email, password = register(a.client())
    for i in range(5):  # the limit: 5 failures per address in 15 minutes, 3 on A and 2 on B
        node = a if i % 2 == 0 else b
        c = node.client()
        c.source_address = new_source()
        r = c.submit("/login", {"email": email, "password": "wrong " + new_password()})
        check_status(r, 401, f"failure {i + 1} on {'A' if node is a else 'B'}")
        check_in(GENERIC, r.text(), f"failure {i + 1}: message")
    for node, name in ((a, "A"), (b, "B")):
        c = node.client()
        c.source_address = new_source()
        r = c.submit("/login", {"email": email, "password": password})
        check_status(r, 429, f"the right password on {name} after 5 failures on both nodes")


def test_two_nodes_reset_link_mailed_by_a_works_on_b(ctx):
    a, b, md = _nodes(ctx)
    on_a = a.client()
    email, old = register(on_a)
    asker = a.client()
    asker.source_address = new_source()
    check_status(asker.submit("/reset", {"email": email}), 200, "asking A for a reset link")
    mails = md.wait_for(email, 1, timeout=15, poke=lambda: a.client().get("/login"), interval=0.2)
    check(mails, f"no reset mail to {email} from A")
    m = RESET_LINK.search(mails[0].text)
    check(m, f"a reset link in the mail: {mails[0].text[:300]!r}")
    on_b = b.client()
    form = on_b.get(m.group(1))
    check_status(form, 200, "opening A's link on B")
    new = new_password()
    r = on_b.post("/reset/confirm", {"csrf_token": form.csrf_token(), "token": form.input_value("token"),
                                     "password": new, "password_confirm": new})
    check_status(r, 303, "the new password, set on B")
    login(a.client(), email, new)
    c = a.client()
    c.source_address = new_source()
    check_status(c.submit("/login", {"email": email, "password": old}), 401, "the old password on A")


class TwoNodeLoad(Load):
    """Load's browsers, each request of each sent to node A or B at random."""

    def __init__(self, a, b, **kw):
        super().__init__(a, **kw)
        self.b = b
        self.twins: dict[int, object] = {}
        self.rng = random.Random()

    def request(self, c, i: int, method: str, path: str, expect: int, fields: dict | None = None):
        twin = self.twins.get(id(c))
        if twin is None:
            twin = self.twins[id(c)] = _on(self.b, c)
        twin.source_address = c.source_address
        with self.lock:
            use_b = self.rng.random() < 0.5
        return super().request(twin if use_b else c, i, method, path, expect, fields)


def test_two_nodes_load_with_postgres_restart(ctx):
    _postgres(ctx)
    md = MailDev(ctx.args.root, label="maildev-pg-load", keep=ctx.args.keep).start()
    try:
        env = _node_env(ctx, "pg-load", md)
        with ctx.separate_server("pg-load-a", env) as a, ctx.separate_server("pg-load-b", env) as b:
            # What the site queues, whatever queues it: a trigger counts every outbox row.
            db = a.db()
            try:
                db.execute("CREATE TABLE load_test_queued (recipient text NOT NULL)")
                db.execute("CREATE FUNCTION load_test_queued() RETURNS trigger LANGUAGE plpgsql AS "
                           "$$ BEGIN INSERT INTO load_test_queued VALUES (NEW.recipient); RETURN NEW; END $$")
                db.execute("CREATE TRIGGER load_test_queued AFTER INSERT ON outbox FOR EACH ROW "
                           "EXECUTE FUNCTION load_test_queued()")
            finally:
                db.close()
            window: dict[str, float] = {}

            def restart(load: Load) -> None:
                window["from"] = load.now()
                ctx.restart_postgres()
                window["to"] = load.now()

            load = TwoNodeLoad(a, b, resets=True)
            load.run(SECONDS, restart)
            print(f"#   two nodes, PostgreSQL restarted from {window.get('from', 0):.2f} s to "
                  f"{window.get('to', 0):.2f} s: {load.summary()}", flush=True)
            check("to" in window, "PostgreSQL was restarted")

            def in_flight_at_restart(op: Op) -> bool:
                return op.t0 <= window["to"] + 0.1 and op.t1 >= window["from"] - 0.1

            allowed = [op for op in load.ops if op.status != op.expect and in_flight_at_restart(op)]
            bad = load.unexpected(in_flight_at_restart)
            check(not bad, f"{len(bad)} unexpected answers (besides {len(allowed)} in flight at the restart): "
                           f"{[o.brief() + ' ' + o.body_start for o in bad[:5]]}")
            errors = [op for op in allowed if op.status is None or op.status >= 500]
            ctx.note(f"answers of requests in flight at the restart: {[o.brief() for o in allowed]}")
            print(f"#   {len(errors)} requests in flight at the restart got a 5xx or no answer", flush=True)
            load.check_stored()
            load.check_passwords()
            logs = load.log() + Load(b).log()
            check("connected again" in logs, "a node connected to PostgreSQL again after the restart")
            check(not re.search(r"host=|password=|postgresql://", logs), "no DATABASE_URL in the logs")
            expected: dict[str, int] = {}
            for row in a.query("SELECT lower(recipient) AS r, count(*) AS n FROM load_test_queued GROUP BY lower(recipient)"):
                expected[row["r"]] = row["n"]
            check(sum(expected.values()) >= 5, f"enough mail was queued: {sum(expected.values())}")
            load.check_mail_once(md, expected, "after the restart")
    finally:
        md.close(keep=ctx.args.keep)
