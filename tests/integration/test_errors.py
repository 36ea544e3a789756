"""Error paths a person or an attacker reaches: CSRF, wrong credentials, bad
registrations, open redirects."""

import re
import urllib.parse

from harness import (check, check_eq, check_in, check_not_in, check_status, count_users, login, new_email,
                     new_password, register, registered_user, session_count, user_row)


def _register_fields(email, password, name="Ada Lovelace"):
    return {"name": name, "email": email, "password": password, "password_confirm": password}


# -- CSRF -------------------------------------------------------------------

def test_csrf_register(ctx):
    s = ctx.server
    c = s.client()
    page = c.get("/register")
    email, password = new_email("csrf"), new_password()
    r = c.post("/register", _register_fields(email, password))
    check_status(r, 403, "register without csrf_token")
    check_in("form has expired or was not sent from this site", r.text(), "message")
    r = c.post("/register", dict(_register_fields(email, password), csrf_token="A" * 65))
    check_status(r, 403, "register with a wrong csrf_token")
    other = s.client()
    foreign = other.get("/register").csrf_token()
    r = c.post("/register", dict(_register_fields(email, password), csrf_token=foreign))
    check_status(r, 403, "register with another browser's csrf_token")
    token = page.csrf_token()
    r = c.post("/register", dict(_register_fields(email, password), csrf_token=token[:-1] + ("y" if token.endswith("x") else "x")))
    check_status(r, 403, "register with a tampered csrf_token")
    check_eq(count_users(s, email), 0, "accounts after refused registrations")


def test_csrf_no_cookie(ctx):
    s = ctx.server
    token = s.client().get("/register").csrf_token()
    fresh = s.client()
    email, password = new_email("nocookie"), new_password()
    r = fresh.post("/register", dict(_register_fields(email, password), csrf_token=token))
    check_status(r, 403, "a POST from a browser without the csrf cookie")
    check_in("cookie", r.text(), "the message names the missing cookie")
    check_eq(count_users(s, email), 0, "accounts")


def test_csrf_login(ctx):
    s = ctx.server
    email, password = register(s.client())
    c = s.client()
    c.get("/login")
    r = c.post("/login", {"email": email, "password": password})
    check_status(r, 403, "login without csrf_token (login CSRF)")
    check(c.sid is None, "no session cookie")
    other_token = s.client().get("/login").csrf_token()
    r = c.post("/login", {"email": email, "password": password, "csrf_token": other_token})
    check_status(r, 403, "login with another browser's token")
    check_eq(session_count(s, email), 0, "sessions")


def test_csrf_profile_and_password(ctx):
    s = ctx.server
    a, email, password = registered_user(s, name="Original Name")
    b, _, _ = registered_user(s)
    hash_before = user_row(s, email)["password_hash"]
    token_b = b.get("/profile").csrf_token()
    a.get("/profile")
    for token in (None, "", "A" * 65, token_b):
        fields = {"name": "Changed"}
        if token is not None:
            fields["csrf_token"] = token
        r = a.post("/profile", fields)
        check_status(r, 403, f"profile update with csrf_token={token!r}")
        new = new_password()
        fields = {"current_password": password, "new_password": new, "new_password_confirm": new}
        if token is not None:
            fields["csrf_token"] = token
        r = a.post("/profile/password", fields)
        check_status(r, 403, f"password change with csrf_token={token!r}")
    # A token from before login does not work after it (bound to the session).
    c = s.client()
    email_c, password_c = register(c)
    pre_login_token = c.get("/login").csrf_token()
    login(c, email_c, password_c)
    r = c.post("/profile", {"name": "Changed", "csrf_token": pre_login_token})
    check_status(r, 403, "profile update with the token from before login")
    check_eq(user_row(s, email)["name"], "Original Name", "name unchanged")
    check_eq(user_row(s, email)["password_hash"], hash_before, "hash unchanged")
    check_eq(user_row(s, email_c)["name"], "Ada Lovelace", "name unchanged")
    check_eq(session_count(s, email), 1, "sessions unchanged")


def test_csrf_logout(ctx):
    s = ctx.server
    c, email, _ = registered_user(s)
    c.get("/logout")
    r = c.post("/logout", {})
    check_status(r, 403, "logout without a token")
    r = c.post("/logout", {"csrf_token": "B" * 65})
    check_status(r, 403, "logout with a wrong token")
    check_eq(session_count(s, email), 1, "still logged in")
    check_status(c.get("/profile"), 200, "profile still served")


def test_cross_site_headers(ctx):
    s = ctx.server
    c, email, _ = registered_user(s, name="Before")
    for headers in ({"Sec-Fetch-Site": "cross-site"}, {"Origin": "http://evil.example"}, {"Origin": "null"},
                    {"Origin": s.base_url + ".evil.example"}):
        r = c.submit("/profile", {"name": "After"}, headers=headers)
        check_status(r, 403, f"profile update with {headers}")
        check_eq(user_row(s, email)["name"], "Before", f"name after {headers}")
    r = c.submit("/profile", {"name": "Same origin"}, headers={"Origin": s.base_url, "Sec-Fetch-Site": "same-origin"})
    check_status(r, 303, "profile update with the site's own Origin")
    check_eq(user_row(s, email)["name"], "Same origin", "name after a same-origin update")
    email2, password2 = new_email("xsite"), new_password()
    r = s.client().submit("/register", _register_fields(email2, password2), headers={"Sec-Fetch-Site": "cross-site"})
    check_status(r, 403, "cross-site register")
    check_eq(count_users(s, email2), 0, "accounts after a cross-site register")
    v = s.client()
    r = v.submit("/login", {"email": email, "password": "whatever it is"}, headers={"Origin": "https://evil.example"})
    check_status(r, 403, "login from a foreign Origin")


# -- login ------------------------------------------------------------------

def _normalized(body: str, email: str) -> str:
    body = re.sub(r'name="csrf_token" value="[^"]*"', 'name="csrf_token" value="T"', body)
    return body.replace(email, "EMAIL")


def test_wrong_password_and_unknown_email_alike(ctx):
    s = ctx.server
    email, password = register(s.client())
    unknown = new_email("nobody")
    a = s.client()
    wrong = a.submit("/login", {"email": email, "password": password + "!"})
    b = s.client()
    missing = b.submit("/login", {"email": unknown, "password": password + "!"})
    check_status(wrong, 401, "wrong password")
    check_status(missing, 401, "unknown email")
    check_in("The email address or the password is not right.", wrong.text(), "generic message")
    check_eq(_normalized(wrong.body, email), _normalized(missing.body, unknown), "bodies for wrong password and unknown email")
    check_eq(sorted(c.name for c in wrong.set_cookies), sorted(c.name for c in missing.set_cookies), "cookies set")
    check(a.sid is None and b.sid is None, "no session cookie after a failed login")
    check_eq(wrong.input_value("email"), email, "the typed email is kept")
    check_not_in(password, wrong.body, "the page")
    check_eq(session_count(s, email), 0, "sessions")


def test_login_form_errors(ctx):
    s = ctx.server
    c = s.client()
    r = c.submit("/login", {"email": "not an email", "password": "x"})
    check_status(r, 422, "login with an invalid email")
    r = c.submit("/login", {"email": new_email(), "password": ""})
    check_status(r, 422, "login without a password")
    check_in("Enter your password", r.text(), "message")


def test_open_redirect_next(ctx):
    s = ctx.server
    c = s.client()
    email, password = register(c)
    bad = ["//evil.example", "https://evil.example", "http://evil.example/", "/\\evil.example", "\\/\\/evil.example",
           "https:evil.example", "javascript:alert(1)", "%2F%2Fevil.example", "/%2F%2Fevil.example", "@evil.example",
           s.base_url + ".evil.example/", "/profile\r\nSet-Cookie: x=1", "/./evil", "/%0d%0aSet-Cookie:x=1"]
    for nxt in bad:
        c2 = s.client()
        r = login(c2, email, password, next_path=nxt)
        check_eq(r.location, s.url("/profile"), f"Location after login with next={nxt!r}")
        check(r.set_cookie("x") is None, f"no injected cookie with next={nxt!r}")
        page = c2.get("/login?next=" + urllib.parse.quote(nxt, safe=""))
        check_not_in("evil.example", page.input_value("next") or "", f"login form next for {nxt!r}")
    r = login(s.client(), email, password, next_path="/?a=1")
    check_eq(r.location, s.url("/?a=1"), "a local next is kept")


# -- register ---------------------------------------------------------------

def test_register_taken_email(ctx):
    s = ctx.server
    email, password = register(s.client())
    c = s.client()
    other_password = new_password()
    r = c.submit("/register", _register_fields(email, other_password, name="Second Person"))
    check_status(r, 409, "register a taken email")
    check_in("already exists", r.text(), "message")
    check_eq(r.input_value("name"), "Second Person", "name kept")
    check_eq(r.input_value("email"), email, "email kept")
    check_not_in(other_password, r.body, "the page (password)")
    check_eq(r.input_value("password"), "", "the password field is empty")
    check_eq(count_users(s, email), 1, "accounts with that email")
    login(s.client(), email, password)


def test_register_invalid_email(ctx):
    s = ctx.server
    for bad in ("plainaddress", "a@b", "two@@example.test", "sp ace@example.test", "a@-x.test", ".a@example.test",
                "a" * 65 + "@example.test", "x@" + "a" * 250 + ".test", "ünï@example.test"):
        c = s.client()
        password = new_password()
        r = c.submit("/register", _register_fields(bad, password))
        check(400 <= r.status < 500, f"register with email {bad!r}: status {r.status}")
        if r.status == 422:
            check_in("Enter an email address like name@example.com", r.text(), f"message for {bad!r}")
            check_eq(r.input_value("email"), bad, f"typed email kept ({bad!r})")
        check_eq(count_users(s, bad), 0, f"accounts for {bad!r}")


def test_register_password_policy(ctx):
    s = ctx.server
    c = s.client()
    page = c.get("/register")
    m = re.search(r"At least (\d+) characters", page.text())
    check(m, "the register page states the minimum length")
    minimum = int(m.group(1))
    check(minimum >= 12, f"minimum length {minimum} is at least 12")
    email = new_email("policy")
    cases = {
        "k7 lamp" + "q" * (minimum - 8): "at least",               # one short of the minimum
        "passwordpassword": "too common",
        "123456789012345": "too common",
        "qwertyuiopasdfgh": "too common",
        "winniethepooh": "too common",                               # from the list
        email: "email address or name",
        "fjord " * 21 + "abc": "at most 128",                        # 129 code points
        "🐎" * 129: "at most 128",
    }
    for pw, message in cases.items():
        if message == "too common" and len(pw) < minimum:
            message = "at least"
        r = c.submit("/register", _register_fields(email, pw))
        check_status(r, 422, f"register with password {pw!r}")
        check_in(message, r.text(), f"message for password {pw!r}")
        check_eq(r.input_value("email"), email, "email kept")
        check(r.input_value("password") in (None, ""), f"password field empty after {pw!r}")
        check(r.input_value("password_confirm") in (None, ""), f"confirmation field empty after {pw!r}")
        if pw != email:
            check_not_in(pw, r.body, "the page (password)")
    r = c.submit("/register", {"name": "Ada", "email": email, "password": new_password(), "password_confirm": new_password()})
    check_status(r, 422, "passwords differ")
    check_in("do not match", r.text(), "message for different passwords")
    check_eq(count_users(s, email), 0, "accounts after refused registrations")
    exact = "k7 lamp " + "q" * (minimum - 8)
    check_eq(len(exact), minimum, "test data")
    r = c.submit("/register", _register_fields(email, exact))
    check_status(r, 303, f"a password of exactly {minimum} characters")
    for long_ok in ("🐎 ünï cødé pass phrase " + "z" * 40, "fjord " * 21 + "ab", "glück 🐎 " * 16):
        check(len(long_ok) <= 128, "test data")
        email2 = new_email("unicode")
        register(s.client(), email2, long_ok)
        login(s.client(), email2, long_ok)
        r = s.client().submit("/login", {"email": email2, "password": long_ok[:-1]})
        check_status(r, 401, "login with the password less its last character (no truncation)")


def test_register_name_rules(ctx):
    s = ctx.server
    email = new_email("name")
    r = s.client().submit("/register", _register_fields(email, new_password(), name=""))
    check_status(r, 422, "register without a name")
    check_in("Enter your full name", r.text(), "message")
    r = s.client().submit("/register", _register_fields(email, new_password(), name="a\x01b"))
    check_status(r, 422, "register with a control character in the name")
    check_eq(count_users(s, email), 0, "accounts")
    name = "ねこ O'Hara 😀"
    c = s.client()
    register(c, email, name=name)
    check_eq(user_row(s, email)["name"], name, "unicode name stored exactly")


def test_profile_mass_assignment(ctx):
    s = ctx.server
    victim_client, victim, _ = registered_user(s, name="Victim")
    c, email, _ = registered_user(s, name="Attacker")
    me = user_row(s, email)
    them = user_row(s, victim)
    r = c.submit("/profile", {"name": "Renamed", "email": victim, "id": str(them["id"]), "user_id": str(them["id"]),
                              "password_hash": them["password_hash"], "created_at": "0", "is_admin": "1"})
    check_status(r, 303, "profile update with extra fields")
    after_me, after_them = user_row(s, email), user_row(s, victim)
    check_eq(after_me["name"], "Renamed", "own name")
    for key in ("email", "password_hash", "created_at", "id"):
        check_eq(after_me[key], me[key], f"own {key}")
    check_eq(dict(after_them), dict(them), "the other account")
    check_in("Victim", victim_client.get("/profile").body, "the other account's page")
