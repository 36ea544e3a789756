"""The admin area (/admin, auth-admin) behind the web server's own
authentication, as the shipped configurations turn it on (the "#admin# "
lines: lighttpd mod_auth with mod_authn_file, Apache AuthType Basic in
cgi/.htaccess), with the harness's htpasswd file (bcrypt) and
ADMIN_USERS=admin. Nobody reaches it without the server having
authenticated a listed name: not without credentials, not with a forged
Remote-User or X-Remote-User header, not as a name the file holds but
ADMIN_USERS does not list. A listed admin finds, sees, locks (login
refused, sessions gone), unlocks, mails a reset link, reads the actions in
the event log with their name, and deletes the account. On a server of its own (with maildev).
Left off, as shipped, /admin is a 404 with the security headers of any
other answer; on, the admin area's answers carry each of them once."""

import base64
import os
import re
import subprocess

from harness import (ADMIN_PASSWORD, ADMIN_USER, UNLISTED_PASSWORD, UNLISTED_USER, check, check_eq, check_in,
                     check_not_in, check_status, login, register, session_count, skip, user_row)
from mailcatcher import module_maildev
from test_headers import HSTS_AT_ROOT, STRICT_REFERRER, _csp_directives, check_headers

LINK_RE = re.compile(r"/reset/confirm\?token=[A-Za-z0-9_-]{20,}")
PATHS = ("/admin", "/admin/user?id=1", "/admin/events", "/admin/mail")
# The headers every answer carries, whoever makes it (lighttpd adds them to
# its own answers, the programs send their own).
SECURITY_HEADERS = ("X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy", "Content-Security-Policy")


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def _server(ctx):
    md = module_maildev(ctx, "admin_maildev")
    return ctx.shared_server("admin", md.env()), md


def _admin(s):
    c = s.client()
    c.extra_headers["Authorization"] = _basic(ADMIN_USER, ADMIN_PASSWORD)
    return c


def _not_admin_page(r, what):
    """Refused: the server's 401 challenge (no or wrong credentials) or the
    site's 404 page; never a page of the admin area."""
    check_status(r, (401, 404), what)
    check_not_in("Admin area", r.text(), what)
    check_not_in("Find an account", r.text(), what)


def _security_headers_once(r, what):
    """Each of SECURITY_HEADERS exactly once (no answer without them, no
    second copy from the server on top of the program's), with safe values."""
    problems = [f"{name} {r.header_all(name)!r}" for name in SECURITY_HEADERS if len(r.header_all(name)) != 1]
    if not problems:
        csp = _csp_directives(r.header("Content-Security-Policy"))
        if r.header("X-Content-Type-Options").lower() != "nosniff":
            problems.append(f"X-Content-Type-Options {r.header('X-Content-Type-Options')!r}")
        if r.header("X-Frame-Options").upper() != "DENY":
            problems.append(f"X-Frame-Options {r.header('X-Frame-Options')!r}")
        if r.header("Referrer-Policy").lower() not in STRICT_REFERRER:
            problems.append(f"Referrer-Policy {r.header('Referrer-Policy')!r}")
        for key in ("default-src", "frame-ancestors"):
            if csp.get(key) != ["'none'"]:
                problems.append(f"Content-Security-Policy {key} {csp.get(key)!r}")
    if r.header_all("Strict-Transport-Security") != ([HSTS_AT_ROOT] if r.https else []):
        problems.append(f"Strict-Transport-Security {r.header_all('Strict-Transport-Security')!r}")
    check(not problems, f"{what} ({r.status}): " + "; ".join(problems))


def test_admin_off_is_a_404_with_the_security_headers(ctx):
    """The area left off, as shipped: no /admin path reaches a page of it,
    not even with the admin's credentials, and the 404 (lighttpd's own, or
    on Apache auth-admin's, which sees no authenticated name) carries the
    headers every other answer carries."""
    with ctx.separate_server("admin-off", admin_area=False) as s:
        for path in ("/admin", "/admin/user", "/admin/user?id=1", "/admin/events", "/admin/mail", "/admin/mail/retry"):
            for who, c in (("anyone", s.client()), ("the admin's credentials", _admin(s))):
                r = c.get(path)
                what = f"GET {path} with the area off ({who})"
                check_status(r, 404, what)
                check_not_in("Admin area", r.text(), what)
                _security_headers_once(r, what)


def test_admin_on_sends_each_security_header_once(ctx):
    """The area on: its pages and its 404 carry auth-admin's own headers
    (its Content-Security-Policy, not the server's shorter one for what it
    answers itself), once; the server adds no second copy."""
    s, _ = _server(ctx)
    email, _ = register(s.client(), name="Hedda Header-Test")
    uid = user_row(s, email)["id"]
    for path in ("/admin", "/admin?q=Header-Test", f"/admin/user?id={uid}", f"/admin/events?user={uid}", "/admin/mail"):
        r = _admin(s).get(path)
        check_status(r, 200, f"GET {path} as the admin")
        check_headers(r, f"GET {path} as the admin")
        _security_headers_once(r, f"GET {path} as the admin")
    c = s.client()
    c.extra_headers["Authorization"] = _basic(UNLISTED_USER, UNLISTED_PASSWORD)
    r = c.get("/admin")
    check_status(r, 404, f"GET /admin as {UNLISTED_USER}")
    check_headers(r, f"GET /admin as {UNLISTED_USER} (auth-admin's 404)")
    _security_headers_once(r, f"GET /admin as {UNLISTED_USER} (auth-admin's 404)")


def test_admin_refused_without_authentication(ctx):
    s, _ = _server(ctx)
    for path in PATHS:
        r = s.client().get(path)
        _not_admin_page(r, f"GET {path} without credentials")
        if r.status == 401:
            check_in("Basic", r.header("WWW-Authenticate") or "", f"GET {path}: the server's own challenge")
    r = s.client().post("/admin/user/lock", {"id": "1"})
    _not_admin_page(r, "POST /admin/user/lock without credentials")


def test_admin_refused_with_forged_headers(ctx):
    s, _ = _server(ctx)
    forged = ({"Remote-User": ADMIN_USER}, {"X-Remote-User": ADMIN_USER}, {"Remote_User": ADMIN_USER},
              {"Remote-User": ADMIN_USER, "X-Remote-User": ADMIN_USER, "Auth-Type": "Basic"},
              {"X-Forwarded-User": ADMIN_USER, "Redirect-Remote-User": ADMIN_USER})
    for headers in forged:
        for path in PATHS:
            _not_admin_page(s.client().get(path, headers=headers), f"GET {path} with {headers}")
    # With a wrong password the forged header changes nothing either.
    for headers in forged[:2]:
        c = s.client()
        c.extra_headers["Authorization"] = _basic(ADMIN_USER, "not the password")
        _not_admin_page(c.get("/admin", headers=headers), f"wrong password with {headers}")
    # Direct hits on the program are not the admin area either.
    for path in ("/cgi/auth-admin.fcgi", "/auth-admin", "/admin/", "/adminx", "/admin/user/lock"):
        r = _admin(s).get(path)
        check_status(r, (404, 405), f"GET {path} as the admin")


def test_admin_refused_for_an_unlisted_name(ctx):
    s, _ = _server(ctx)
    c = s.client()
    c.extra_headers["Authorization"] = _basic(UNLISTED_USER, UNLISTED_PASSWORD)
    for path in PATHS:
        r = c.get(path)
        check_status(r, 404, f"GET {path} as {UNLISTED_USER} (in the password file, not in ADMIN_USERS)")
        check_not_in("Admin area", r.text(), f"GET {path} as {UNLISTED_USER}")
    # Not even with a forged header naming the listed admin.
    r = c.get("/admin", headers={"Remote-User": ADMIN_USER, "X-Remote-User": ADMIN_USER})
    check_status(r, 404, f"{UNLISTED_USER} with a forged Remote-User header")


def test_admin_works_for_a_listed_admin(ctx):
    s, md = _server(ctx)
    person = s.client()
    email, password = register(person, name="Ada Admin-Test")
    login(person, email, password)
    check_eq(session_count(s, email), 1, "the person's session before the lock")
    uid = user_row(s, email)["id"]
    a = _admin(s)

    found = a.get("/admin?q=" + email.split("@")[0])
    check_status(found, 200, "find by address")
    check_eq(found.header("Cache-Control"), "no-store", "Cache-Control of the admin area")
    check_eq(found.header("X-Robots-Tag"), "noindex", "X-Robots-Tag of the admin area")
    check_in('<meta name="robots" content="noindex">', found.body, "meta robots")
    check_in(f"/admin/user?id={uid}", found.body, "the account in the results")
    check_in(f"<strong>{ADMIN_USER}</strong>", found.body, "the admin's name on the page")
    by_name = a.get("/admin?q=Admin-Test")
    check_in(email, by_name.text(), "find by name")

    shown = a.get(f"/admin/user?id={uid}")
    check_status(shown, 200, "the account's page")
    check_in("<dt>Sessions</dt><dd>1</dd>", shown.body, "its session count")
    check_in("<dt>Locked</dt><dd>no</dd>", shown.body, "not locked")

    # A form without its CSRF token changes nothing.
    r = a.post("/admin/user/lock", {"id": str(uid)})
    check_status(r, 403, "lock without the CSRF token")
    check(user_row(s, email)["locked_at"] is None, "not locked by a form without its token")

    mailed_before = len(md.mails_to(email))
    r = a.submit(f"/admin/user?id={uid}", {"id": str(uid)}, action="/admin/user/lock")
    check_status(r, 303, "lock")
    check(user_row(s, email)["locked_at"] is not None, "locked_at set")
    check_eq(session_count(s, email), 0, "sessions after the lock")
    check_status(person.get("/profile"), 303, "the person's old session after the lock")
    refused = s.client().submit("/login", {"email": email, "password": password})
    check_status(refused, 403, "login of a locked account")
    check_in("This account is locked", refused.text(), "the login page says why")
    check_eq(session_count(s, email), 0, "no session made by the refused login")

    r = a.submit(f"/admin/user?id={uid}", {"id": str(uid)}, action="/admin/user/unlock")
    check_status(r, 303, "unlock")
    check(user_row(s, email)["locked_at"] is None, "locked_at cleared")
    login(s.client(), email, password)
    # The owner heard of both.
    notices = md.wait_for(email, mailed_before + 2, timeout=15, poke=lambda: s.client().get("/login"))
    subjects = sorted(m.subject for m in notices[mailed_before:])
    check(len(subjects) == 2 and subjects[0].startswith("Your account was locked")
          and subjects[1].startswith("Your account was unlocked"), f"the lock and unlock notices: {subjects}")

    md.clear()
    r = a.submit(f"/admin/user?id={uid}", {"id": str(uid)}, action="/admin/user/reset")
    check_status(r, 303, "reset link")
    mails = md.wait_for(email, 1, timeout=15, poke=lambda: s.client().get("/login"))
    check_eq(len(mails), 1, "the reset mail")
    check(LINK_RE.search(mails[0].text) is not None, "a reset link in the mail")

    events = a.get(f"/admin/events?user={uid}")
    check_status(events, 200, "the event log")
    text = events.body
    for name in ("account.locked", "account.unlocked", "password.reset_requested"):
        check(re.search(rf"<td>{re.escape(name)}</td><td>ok</td>.*?<td>{ADMIN_USER}</td>", text) is not None,
              f"{name} with the admin's name in the event log")
    check_in("<td>login</td><td>refused</td>", text, "the refused login in the event log")
    rows = s.query("SELECT actor FROM events WHERE user_id = ? AND name = 'account.locked'", (uid,))
    check_eq([r["actor"] for r in rows], [ADMIN_USER], "the lock's actor in the table")
    check_in(f'actor="{ADMIN_USER}"', s.program_log_text(), "the event line in the error log")

    mail = a.get("/admin/mail")
    check_status(mail, 200, "the mail queue")
    check_in("waiting", mail.text(), "the mail queue's counts")

    # Delete: the address typed again, then nothing of the account is left.
    r = a.submit(f"/admin/user?id={uid}", {"id": str(uid), "confirm_email": "someone.else@example.test"},
                 action="/admin/user/delete")
    check_status(r, 422, "delete with another address typed")
    check(user_row(s, email) is not None, "not deleted with another address")
    r = a.submit(f"/admin/user?id={uid}", {"id": str(uid), "confirm_email": email}, action="/admin/user/delete")
    check_status(r, 303, "delete")
    check(user_row(s, email) is None, "the account's row after the delete")
    for table in ("sessions", "reset_tokens"):
        check_eq(s.query(f"SELECT count(*) AS n FROM {table} WHERE user_id = ?", (uid,))[0]["n"], 0,
                 f"{table} rows of the deleted account")
    rows = s.query("SELECT actor, detail FROM events WHERE name = 'account.deleted' AND user_id = ?", (uid,))
    check_eq([r["actor"] for r in rows], [ADMIN_USER], "account.deleted names the admin")
    check_status(a.get(f"/admin/user?id={uid}"), 404, "the deleted account's page")
    check_status(s.client().submit("/login", {"email": email, "password": password}), 401, "login after the delete")


def test_admin_command_line(ctx):
    """sessionauth-admin users find, user show|lock|unlock|logout|reset|delete,
    mail [retry]: the same actions for the shell, each printing what it did."""
    if ctx.server_cls.kind != "lighttpd":
        skip("sessionauth-admin is the same whatever the web server (lighttpd runs this)")
    s, md = _server(ctx)
    # Account ids are reused after a deletion (the other test deletes one):
    # only the events from here on.
    before = s.query("SELECT coalesce(max(id), 0) AS n FROM events")[0]["n"]
    person = s.client()
    email, password = register(person, name="Grace Shell-Test")
    login(person, email, password)
    uid = user_row(s, email)["id"]

    def run(*args, code=0):
        r = subprocess.run([os.path.join(s.build, "sessionauth-admin"), *args], env=dict(os.environ, AUTH_ENV=s.env_path),
                           capture_output=True, text=True, timeout=60)
        check_eq(r.returncode, code, f"sessionauth-admin {' '.join(args)}: {r.stderr.strip()}")
        return r.stdout

    check_in(email, run("users", "find", "Shell-Test"), "users find by name")
    check_in("1 account(s) found", run("users", "find", email), "users find by address")
    shown = run("user", "show", email)
    check_in(f"account {uid}: {email}", shown, "user show")
    check_in("sessions: 1", shown, "user show: sessions")
    check_in("locked: no", shown, "user show: not locked")
    mailed_before = len(md.mails_to(email))
    check_in("locked; its sessions have ended", run("user", "lock", str(uid)), "user lock by number")
    check_eq(session_count(s, email), 0, "sessions after user lock")
    check_status(s.client().submit("/login", {"email": email, "password": password}), 403, "login after user lock")
    check_in("unlocked", run("user", "unlock", email.upper()), "user unlock (any case)")
    login(person, email, password)
    check_eq(len(md.wait_for(email, mailed_before + 2, timeout=15, poke=lambda: s.client().get("/login"))),
             mailed_before + 2, "the lock and unlock notices of user lock and user unlock")
    check_in("every session has ended", run("user", "logout", email), "user logout")
    check_eq(session_count(s, email), 0, "sessions after user logout")
    md.clear()
    check_in("a reset link is queued", run("user", "reset", email), "user reset")
    mails = md.wait_for(email, 1, timeout=15, poke=lambda: s.client().get("/login"))
    check(mails and LINK_RE.search(mails[0].text) is not None, "the reset mail from user reset")
    check_in("waiting", run("mail"), "mail")
    check_in("due again", run("mail", "retry"), "mail retry")
    actors = s.query("SELECT DISTINCT actor FROM events WHERE user_id = ? AND actor != '' AND id > ?", (uid, before))
    check(len(actors) == 1 and actors[0]["actor"].startswith("sessionauth-admin (uid "), f"the shell's actor: {[dict(a) for a in actors]}")
    check_in("deleted", run("user", "delete", email), "user delete")
    check(user_row(s, email) is None, "the account after user delete")
    run("user", "show", email, code=1)
    run("user", "show", "nobody-" + email, code=1)
    other, _ = register(s.client())
    run("user", "frobnicate", other, code=2)
