"""Two-step login over HTTP, as a new user meets it, with codes this test
computes itself (RFC 6238 with Python's hmac and hashlib): set-up from the
key on the page (the QR code fetched as an image), the code step of the
login, a replayed code, codes from the wrong time step, the pending login
used as a session or from another browser, too many wrong codes, and each
action that asks for a code again, refused without one.

Every test here uses a server of its own ("two-factor"): wrong codes count
toward the login throttle of the client address, which the other modules
share on the main server."""

import base64
import hashlib
import hmac
import os
import re
import struct
import subprocess
import time

from harness import check, check_eq, check_in, check_not_in, check_status, login, new_email, registered_user, skip

SECRET_RE = re.compile(r'id="secret">([A-Z2-7 ]+)<')
CODE_RE = re.compile(r"<li><code>([a-z2-7]{5}-[a-z2-7]{5})</code></li>")


def totp(secret: bytes, step: int) -> str:
    mac = hmac.new(secret, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    value = struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def now_step() -> int:
    return int(time.time()) // 30


class Person:
    """A browser logged in to a new account, with two-step login on."""

    def __init__(self, server):
        self.server = server
        self.client, self.email, self.password = registered_user(server)
        page = self.client.submit("/profile/two-factor", {"current_password": self.password},
                                  action="/profile/two-factor/start")
        check_status(page, 200, "the set-up page after the password")
        found = SECRET_RE.search(page.body)
        check(found, "the key is written on the set-up page")
        self.secret = base64.b32decode(found.group(1).replace(" ", ""))
        check_eq(len(self.secret), 20, "a 160-bit secret")
        self.setup_page = page
        self.qr = self.client.get("/profile/two-factor/qr.svg")
        self.step = now_step()
        on = self.client.post("/profile/two-factor/confirm",
                              {"csrf_token": page.csrf_token(), "code": totp(self.secret, self.step)})
        check_status(on, 200, "the code from the app turns it on")
        self.codes = CODE_RE.findall(on.body)
        check_eq(len(self.codes), 10, "10 recovery codes shown")
        self.codes_page = on

    def next_code(self) -> str:
        """A code of a step later than any used (one ahead of now at most: waits when needed)."""
        self.step += 1
        while self.step > now_step() + 1:
            time.sleep(0.5)
        return totp(self.secret, self.step)

    def password_step(self, client=None, next_path=None):
        c = client or self.server.client()
        fields = {"email": self.email, "password": self.password}
        if next_path:
            fields["next"] = next_path
        r = c.submit("/login", fields)
        check_status(r, 303, "the right password")
        check(r.location.endswith("/login/code" + (f"?next={next_path}" if next_path else "")),
              f"to the code step: {r.location!r}")
        check(c.sid is None, "no session after the password alone")
        check(c.cookies.get("mfa"), "the pending login's cookie")
        return c


def test_two_factor_whole_life(ctx):
    s = ctx.shared_server("two-factor")
    p = Person(s)
    qr = p.qr
    check_status(qr, 200, "the QR code")
    check_eq(qr.header("Content-Type"), "image/svg+xml", "the QR code's type")
    check(qr.body.startswith("<?xml") and "<svg" in qr.body and "<path" in qr.body, "an SVG document")
    check_not_in("<script", qr.body, "no script in the QR code")
    check_in("default-src 'none'", qr.header("Content-Security-Policy") or "", "the CSP on the image")
    check_eq(qr.header("X-Content-Type-Options"), "nosniff", "nosniff on the image")
    check_in('src="/profile/two-factor/qr.svg"', p.setup_page.body, "the page shows the QR code")
    check(not re.search(r"<script(?![^>]*src=)", p.setup_page.body), "no inline script on the set-up page")
    check_in("default-src 'none'", p.setup_page.header("Content-Security-Policy") or "", "the page's CSP")
    check_status(p.client.get("/profile/two-factor/qr.svg"), 404, "the QR code once it is on")
    row = s.query("SELECT secret FROM two_factor t JOIN users u ON u.id = t.user_id WHERE u.email = ?", (p.email,))[0]
    check(p.secret not in bytes(row["secret"]), "the secret is not stored in clear")
    # The recovery codes as a text file.
    txt = p.client.post("/profile/two-factor/recovery-codes.txt",
                        {"csrf_token": p.codes_page.csrf_token(), "codes": " ".join(p.codes)})
    check_status(txt, 200, "download of the recovery codes")
    check_in("attachment", txt.header("Content-Disposition") or "", "as a file")
    check(all(c in txt.body for c in p.codes), "every code in the file")
    # The profile and the session list say it is on.
    check_in("On.", p.client.get("/profile").text(), "the profile says it is on")
    check_in("Two-step login is on", p.client.get("/profile/sessions").text(), "so does the session list")
    # Logging in: the password, then the code.
    c = p.password_step(next_path="/profile/sessions")
    form = c.get("/login/code?next=/profile/sessions")
    check_status(form, 200, "the code step")
    r = c.post("/login/code", {"csrf_token": form.csrf_token(), "code": p.next_code(), "next": "/profile/sessions"})
    check_status(r, 303, "the right code")
    check(r.location.endswith("/profile/sessions"), f"to next: {r.location!r}")
    check(c.sid, "a session after the code")
    check("mfa" not in c.cookies, "the pending login's cookie deleted")
    check_status(c.get("/profile"), 200, "logged in")
    # With a recovery code instead (the phone is lost).
    c2 = p.password_step()
    r = c2.submit("/login/code", {"code": p.codes[0].upper()})
    check_status(r, 303, "a recovery code logs in")
    check(c2.sid, "a session with a recovery code")
    c3 = p.password_step()
    check_status(c3.submit("/login/code", {"code": p.codes[0]}), 401, "the same recovery code again")
    check_in("9 recovery codes", p.client.get("/profile/two-factor").text(), "9 left")
    # Off, with the password and a code; then the password alone logs in.
    r = p.client.submit("/profile/two-factor", {"current_password": p.password, "code": p.codes[1]},
                        action="/profile/two-factor/off")
    check_status(r, 303, "turned off")
    check_in("Off.", p.client.get("/profile").text(), "the profile says it is off")
    login(s.client(), p.email, p.password)


def test_two_factor_replayed_code(ctx):
    s = ctx.shared_server("two-factor")
    p = Person(s)
    code = p.next_code()
    first = p.password_step()
    check_status(first.submit("/login/code", {"code": code}), 303, "the code, once")
    second = p.password_step()
    r = second.submit("/login/code", {"code": code})
    check_status(r, 401, "the same code again, in another browser")
    check(second.sid is None, "no session from a replayed code")
    check_in("used already", r.text(), "the message says why it may be")
    # The code that turned it on is spent too.
    check_status(second.submit("/login/code", {"code": totp(p.secret, p.step - 1)}), 401, "the set-up's code")


def test_two_factor_code_from_the_wrong_time_step(ctx):
    s = ctx.shared_server("two-factor")
    p = Person(s)
    c = p.password_step()
    for steps, what in ((-3, "90 s old"), (3, "90 s ahead"), (40, "20 minutes ahead")):
        r = c.submit("/login/code", {"code": totp(p.secret, now_step() + steps)})
        check_status(r, 401, f"a code {what}")
    check(c.sid is None, "no session")
    check_status(c.submit("/login/code", {"code": p.next_code()}), 303, "the code of now")


def test_two_factor_pending_login_is_not_a_session(ctx):
    s = ctx.shared_server("two-factor")
    p = Person(s)
    c = p.password_step()
    pending = c.cookies["mfa"]
    for path in ("/profile", "/profile/sessions", "/profile/two-factor"):
        r = c.get(path)
        check_status(r, 303, f"GET {path} with only a pending login")
        check_in("/login?next=", r.location or "", f"{path} asks for a login")
    forger = s.client()
    forger.cookies["sid"] = pending
    r = forger.get("/profile")
    check_status(r, 303, "the pending token as a session cookie")
    check(r.set_cookie("sid") is not None and r.set_cookie("sid").deletes, "the bogus session cookie deleted")
    # In another browser (its own CSRF cookie), the pending cookie is worth nothing.
    thief = s.client()
    thief.get("/login")
    thief.cookies["mfa"] = pending
    page = thief.get("/login/code")
    check_status(page, 303, "the code step in another browser")
    check_in("/login", page.location or "", "starts again")
    check(s.query("SELECT count(*) AS n FROM pending_logins WHERE token_hash = ?", (pending,))[0]["n"] == 0,
          "the pending login is stored hashed")


def test_two_factor_too_many_wrong_codes(ctx):
    s = ctx.shared_server("two-factor")
    p = Person(s)
    c = p.password_step()
    right = totp(p.secret, now_step())
    wrong = "000000" if right != "000000" else "111111"
    for i in range(5):
        check_status(c.submit("/login/code", {"code": wrong}), 401, f"wrong code {i + 1}")
    r = c.submit("/login/code", {"code": p.next_code()})
    check_status(r, 429, "the right code after 5 wrong ones")
    retry = r.header("Retry-After")
    check(retry is not None and retry.isdigit() and 0 < int(retry) <= 15 * 60, f"Retry-After {retry!r}")
    check(c.sid is None, "no session while throttled")
    # The throttle is the account's: the profile's step-up waits too.
    fresh = "violet kettle under a wide moon"  # a password the policy takes: the code is looked at
    r = p.client.submit("/profile", {"current_password": p.password, "code": p.codes[0], "new_password": fresh,
                                     "new_password_confirm": fresh}, action="/profile/password")
    check_status(r, 429, "a code asked again on the profile, same account")


def test_two_factor_each_action_asks_for_a_code(ctx):
    s = ctx.shared_server("two-factor")
    p = Person(s)
    other = s.client()
    login_page = p.password_step(other)
    check_status(login_page.submit("/login/code", {"code": p.next_code()}), 303, "a second session")
    new = "plume " + new_email().split("@")[0] + " orbit"
    actions = [
        ("/profile", "/profile/password", {"new_password": new, "new_password_confirm": new}, "password change"),
        ("/profile", "/profile/email", {"new_email": new_email("moved")}, "email change"),
        ("/profile/sessions", "/profile/sessions/revoke-others", {}, "ending other sessions"),
        ("/profile/two-factor", "/profile/two-factor/recovery-codes", {}, "new recovery codes"),
        ("/profile/two-factor", "/profile/two-factor/off", {}, "turning it off"),
    ]
    for form, action, fields, what in actions:
        r = p.client.submit(form, {"current_password": p.password, **fields}, action=action)
        check_status(r, 422, f"{what} without a code")
        check_in("code from your authenticator app", r.text(), f"{what}: the message")
        if action in ("/profile/password", "/profile/two-factor/off"):  # 2 of the 5 wrong codes allowed
            r = p.client.submit(form, {"current_password": p.password, "code": "123-456", **fields}, action=action)
            check_status(r, 403, f"{what} with a wrong code")
    row = s.query("SELECT password_hash FROM users WHERE email = ?", (p.email,))[0]
    check_status(other.get("/profile"), 200, "the other session lives on")
    check_eq(s.query("SELECT count(*) AS n FROM email_changes e JOIN users u ON u.id = e.user_id WHERE u.email = ?",
                     (p.email,))[0]["n"], 0, "no email change asked")
    check_in("Two-step login is on", p.client.get("/profile/sessions").text(), "still on")
    # With a code, each goes through.
    r = p.client.submit("/profile/sessions", {"current_password": p.password, "code": p.codes[2]},
                        action="/profile/sessions/revoke-others")
    check_status(r, 303, "ending other sessions with a recovery code")
    check_status(other.get("/profile"), 303, "the other session ended")
    r = p.client.submit("/profile", {"current_password": p.password, "code": p.codes[3], "new_password": new,
                                     "new_password_confirm": new}, action="/profile/password")
    check_status(r, 303, "the password changed with a recovery code")
    check(s.query("SELECT password_hash FROM users WHERE email = ?", (p.email,))[0]["password_hash"] !=
          row["password_hash"], "a new hash")
    p.password = new
    r = p.client.submit("/profile/two-factor", {"current_password": p.password, "code": p.codes[4]},
                        action="/profile/two-factor/recovery-codes")
    check_status(r, 200, "new recovery codes with a recovery code")
    check_eq(len(CODE_RE.findall(r.body)), 10, "10 new codes")


def test_two_factor_admin_turns_it_off(ctx):
    if ctx.server_cls.kind != "lighttpd":
        skip("sessionauth-admin is the same whatever the web server (lighttpd runs this)")
    s = ctx.shared_server("two-factor")
    p = Person(s)
    admin = os.path.join(s.build, "sessionauth-admin")
    env = dict(os.environ, AUTH_ENV=s.env_path)
    r = subprocess.run([admin, "two-factor-off", "nobody-" + p.email], env=env, capture_output=True, text=True, timeout=60)
    check_eq(r.returncode, 1, "an address without an account")
    r = subprocess.run([admin, "two-factor-off", p.email.upper()], env=env, capture_output=True, text=True, timeout=60)
    check_eq(r.returncode, 0, f"turned off by the administrator: {r.stderr}")
    check_in("turned off", r.stdout, "says so")
    login(s.client(), p.email, p.password)  # the password alone again
    check_in("Off.", p.client.get("/profile").text(), "the profile says it is off")
    r = subprocess.run([admin, "two-factor-off", p.email], env=env, capture_output=True, text=True, timeout=60)
    check_eq(r.returncode, 1, "not on any more")
