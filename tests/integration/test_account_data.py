"""An account's end and its data over HTTP: deleting the account leaves no
row and no file of it behind (every table of the SQLite file is read for its
address, its name and its id), the last notice arrives; the data download
holds no secret; the activity and privacy pages; security events as one
line each in the web server's error log.

Deletion reads mail, so it uses the server and maildev of test_profile
("profile"); the rest uses the shared main server.
"""

import json
import os
import time

from harness import check, check_eq, check_in, check_not_in, check_status, login, registered_user
import test_profile
from test_logs import _logs

FIREFOX = test_profile.FIREFOX


def _delete(c, email, password, typed=None):
    page = c.get("/profile/delete")
    check_status(page, 200, "GET /profile/delete")
    return c.post("/profile/delete", {"csrf_token": page.csrf_token(), "current_password": password,
                                      "confirm_email": email if typed is None else typed})


def _everything_mentioning(s, needles: list[str], user_id: int) -> list[str]:
    """Every row of every table that holds one of `needles` (any case) in any
    column, or the account's id in a column that names accounts."""
    found = []
    conn = s.db()
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                             "AND name NOT LIKE 'sqlite_%'")]
        for table in tables:
            columns = [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')]
            for row in conn.execute(f'SELECT * FROM "{table}"'):
                values = dict(zip(columns, row))
                text = " | ".join(str(v) for v in values.values()).lower()
                if any(n.lower() in text for n in needles):
                    found.append(f"{table}: {values}")
                elif values.get("user_id") == user_id or (table == "users" and values.get("id") == user_id):
                    found.append(f"{table}: {values}")
    finally:
        conn.close()
    return found


def test_delete_leaves_no_row_and_no_file(ctx):
    s, md = test_profile._mail_server(ctx)
    c, email, password = registered_user(s, name="Leaving Person")
    user_id = test_profile.user_row(s, email)["id"]
    # Something of everything: a picture, a second session, a failed login,
    # an email change waiting for its link, events.
    r = test_profile._profile_form(c, name="Leaving Person", picture=test_profile._fixture(ctx, "picture.png"))
    check_status(r, 303, "uploading a picture")
    picture = test_profile._picture_of(s, email)
    check(picture, "the picture is stored")
    other = s.client()
    other.extra_headers["User-Agent"] = FIREFOX
    login(other, email, password)
    new_address = email.replace("@", ".next@")
    check_status(test_profile._ask_change(c, new_address, password), 303, "asking for an email change")

    wrong = _delete(c, email, password, typed="someone.else@example.test")
    check_status(wrong, 422, "another address typed")
    check_eq(s.query("SELECT count(*) AS n FROM users WHERE id = ?", (user_id,))[0]["n"], 1, "not deleted yet")
    r = _delete(c, email, password)
    check_status(r, 303, "deleting the account")
    check(not c.sid, "the session cookie is cleared")
    home = c.follow(r)
    check_in("Your account has been deleted", home.text(), "the home page says so")
    check_status(other.get("/profile"), 303, "the other session opens nothing")

    notice = test_profile._by_subject(test_profile._wait(s, md, email, 1), "Your account was deleted")
    check_in("This is the last mail", notice.text, "the last notice")
    # Delivered: nothing waits in the outbox for it now.
    deadline = time.monotonic() + 10
    while s.query("SELECT count(*) AS n FROM outbox WHERE recipient = ?", (email,))[0]["n"] and time.monotonic() < deadline:
        time.sleep(0.2)
    left = _everything_mentioning(s, [email, new_address, "Leaving Person", picture], user_id)
    kept = [row for row in left if row.startswith("events: ")]
    check_eq(len(kept), 1, f"one event kept ({left})")
    check_in("'name': 'account.deleted'", kept[0], "the event kept is the deletion")
    check_in("'client_ip': ''", kept[0], "without the address")
    check_in("'browser': ''", kept[0], "without the browser")
    check_eq([row for row in left if not row.startswith("events: ")], [], "rows left of the account")
    check(picture not in test_profile._stored(s), "the picture file is gone")


def test_export_holds_no_secret(ctx):
    s = ctx.server
    c, email, password = registered_user(s, name="Exporting Person")
    r = c.get("/profile/export")
    check_status(r, 200, "GET /profile/export")
    check_eq(r.header("Content-Type"), "application/json; charset=utf-8", "Content-Type")
    check_eq(r.header("Content-Disposition"), 'attachment; filename="my-account-data.json"', "Content-Disposition")
    check_in("no-store", r.header("Cache-Control") or "", "Cache-Control")
    data = json.loads(r.body)
    check_eq(data["profile"]["email"], email, "the address")
    check_eq(data["profile"]["name"], "Exporting Person", "the name")
    check_eq(data["two_step_login"], {"on": False}, "two-step login")
    check_eq(data["passkeys"], [], "passkeys")
    check(data["sessions"] and {"browser", "address", "logged_in", "last_seen"} <= set(data["sessions"][0]),
          f"sessions with browser, address and times: {data['sessions']}")
    check(any(e["event"] == "login" and e["outcome"] == "ok" for e in data["events"]), "its login among its events")
    body = r.body
    row = s.query("SELECT password_hash FROM users WHERE email = ?", (email,))[0]
    secrets = [password, row["password_hash"], "$argon2"] + [v for k, v in c.cookies.items() if k in ("sid", "csrf")]
    secrets += [t["h"] for t in s.query("SELECT hex(token_hash) AS h FROM sessions")]
    for secret in secrets:
        check_not_in(secret, body, "a secret in the download")
    check_not_in("token", body.lower(), "a token in the download")
    # Logged out: no data.
    check_status(s.client().get("/profile/export"), 303, "GET /profile/export logged out")


def test_activity_and_privacy_pages(ctx):
    s = ctx.server
    c, email, password = registered_user(s)
    stranger = s.client()
    stranger.source_address = ("127.0.8.9", 0)
    stranger.submit("/login", {"email": email, "password": "not the password at all"})
    page = c.get("/profile/activity")
    check_status(page, 200, "GET /profile/activity")
    check_in("127.0.8.9", page.text(), "the failed login's address")
    check_in("Failed", page.text(), "its outcome")
    privacy = s.client().get("/privacy")
    check_status(privacy, 200, "GET /privacy")
    check_in("<h1>Privacy</h1>", privacy.body, "the privacy page")
    register_page = s.client().get("/register")
    check_in('href="/privacy"', register_page.body, "the register page links it")
    check_in('<a href="/privacy">Privacy</a>', page.body, "the footer links it")


def test_events_are_lines_of_the_error_log(ctx):
    s = ctx.server
    c, email, password = registered_user(s)
    prober = s.client()
    prober.source_address = ("127.0.8.10", 0)
    prober.submit("/login", {"email": email, "password": "wrong\r\npassword"})
    user_id = test_profile.user_row(s, email)["id"]
    wanted = f'event name="login" outcome="failed" '
    deadline = time.monotonic() + 10
    lines = []
    while time.monotonic() < deadline:
        lines = [line for text in _logs(s.dir).values() for line in text.splitlines()
                 if wanted in line and f'user="{user_id}"' in line]
        if lines:
            break
        time.sleep(0.3)
    check(lines, f"an event line for the failed login of account {user_id} in the error log")
    line = lines[-1]
    check_in('ip="127.0.8.10"', line, "the client address")
    check("request=\"" in line and 'browser="Unknown"' in line, f"the request id and browser family: {line}")
    check_not_in("wrong", line, "the password typed")
    check_not_in(email, line, "the address typed")


def test_admin_cli_events_and_purge(ctx):
    """sessionauth-admin events prints the log with filters; purge deletes
    events older than EVENT_RETENTION_DAYS (on a server of its own: the
    command writes to the database as whoever runs it)."""
    import subprocess
    from harness import ADMIN
    s = ctx.make_server("admin-cli", env={"EVENT_RETENTION_DAYS": "1"})
    s.start()
    try:
        c, email, password = registered_user(s)
        user_id = test_profile.user_row(s, email)["id"]
        # An event from two days ago, as if the site had kept it that long.
        conn = s.db()
        try:
            conn.execute("INSERT INTO events (at, request_id, name, outcome, user_id) "
                         "VALUES (strftime('%s','now') - 2 * 86400, 'old', 'login', 'ok', ?)", (user_id,))
            conn.commit()
        finally:
            conn.close()
        env = dict(os.environ, AUTH_ENV=s.env_path)

        def admin(*args):
            r = subprocess.run([os.path.join(s.build, ADMIN), *args], env=env, capture_output=True, text=True, timeout=60)
            check_eq(r.returncode, 0, f"sessionauth-admin {' '.join(args)}: {r.stderr}")
            return r.stdout

        out = admin("events", "--user", str(user_id), "--name", "login")
        lines = out.strip().splitlines()
        check_eq(len(lines), 2, f"two login events of the account: {out}")
        check(all('event name="login"' in line and f'user="{user_id}"' in line for line in lines), out)
        check_in('request="old"', lines[-1], "the oldest last")
        out = admin("purge")
        check_in("1 events older than 1 days", out, "what purge says it did")
        out = admin("events", "--user", str(user_id))
        check_not_in('request="old"', out, "the old event is gone")
        check_in('event name="login" outcome="ok"', out, "the recent login stays")
    finally:
        s.stop()
