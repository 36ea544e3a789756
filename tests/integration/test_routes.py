"""Every route's happy path: home, register, login, profile, password change, logout."""

import re
import urllib.parse

from harness import (check, check_eq, check_in, check_not_in, check_status, login, new_email, new_password,
                     register, registered_user, session_count, user_row)


def test_home_signed_out(ctx):
    s = ctx.server
    r = s.client().get("/")
    check_status(r, 200)
    check_in("You are not logged in", r.text(), "home page for a visitor")
    check_in('href="/login"', r.body, "home links to login")
    check_in('href="/register"', r.body, "home links to register")
    check(r.set_cookie("sid") is None, "a visitor gets no session cookie")
    head = s.client().request("HEAD", "/")
    check_status(head, 200, "HEAD /")
    check_eq(head.raw_body, b"", "HEAD / body")


def test_register_then_flash_once(ctx):
    s = ctx.server
    c = s.client()
    page = c.get("/register")
    check_status(page, 200)
    for name in ("name", "email", "password", "password_confirm", "csrf_token"):
        check(re.search(rf'name="{name}"', page.body), f"register form has a {name} field")
    check_in('method="post"', page.body, "register form posts")
    email, password = new_email("reg"), new_password()
    r = c.post("/register", {"csrf_token": page.csrf_token(), "name": "  Grace Hopper ", "email": email,
                             "password": password, "password_confirm": password})
    check_status(r, 303, "register")
    check_eq(r.location, s.url("/login"), "register redirects to login")
    row = user_row(s, email)
    check(row is not None, "the account is in the database")
    check_eq(row["name"], "Grace Hopper", "stored name (trimmed)")
    check(re.match(r"^\$argon2id\$v=19\$m=\d+,t=\d+,p=\d+\$", row["password_hash"]),
          f"password stored as an Argon2id hash, not {row['password_hash'][:20]!r}")
    check_not_in(password, row["password_hash"], "the hash")
    check_eq(session_count(s, email), 0, "registering does not log in")

    shown = c.follow(r)
    check_status(shown, 200, "the page after registering")
    check_in("Account created. You can log in now.", shown.text(), "the flash after registering")
    flash = shown.set_cookie("flash")
    check(flash is not None and flash.deletes, "the flash cookie is cleared once shown")
    again = c.get("/login")
    check_not_in("Account created", again.text(), "the flash on the next page")


def test_login_sets_session_cookie(ctx):
    s = ctx.server
    c = s.client()
    email, password = register(c)
    before_csrf = c.cookies.get("csrf")
    r = c.submit("/login", {"email": email, "password": password})
    check_status(r, 303, "login")
    check_eq(r.location, s.url("/profile"), "login redirects to the profile")
    sid = r.set_cookie("sid")
    check(sid is not None, "login sets a sid cookie")
    check(re.fullmatch(r"[A-Za-z0-9_-]{43}", sid.value), f"sid is 32 random bytes in base64url, not {sid.value!r}")
    check("httponly" in sid.attrs, f"sid is HttpOnly: {sid.raw}")
    check_eq(sid.attrs.get("samesite", "").lower(), "lax", f"sid SameSite in {sid.raw}")
    check_eq(sid.attrs.get("path"), "/", f"sid Path in {sid.raw}")
    check("domain" not in sid.attrs, f"sid has no Domain: {sid.raw}")
    check(("secure" in sid.attrs) == r.https, f"sid is Secure over https only: {sid.raw}")
    check("max-age" not in sid.attrs and "expires" not in sid.attrs, f"sid is a browser-session cookie: {sid.raw}")
    check(c.cookies.get("csrf") != before_csrf, "the browser secret (csrf cookie) is renewed at login")
    rows = s.query("SELECT token_hash FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.email = ?", (email,))
    check_eq(len(rows), 1, "session rows after login")
    stored = bytes(rows[0]["token_hash"]) if not isinstance(rows[0]["token_hash"], str) else rows[0]["token_hash"].encode()
    check(sid.value.encode() not in stored, "the database keeps a hash of the session id, not the id")
    profile = c.follow(r)
    check_status(profile, 200, "profile after login")
    check_in("You are logged in.", profile.text(), "flash after login")


def test_profile_view(ctx):
    s = ctx.server
    c, email, _ = registered_user(s, name="Katherine Johnson")
    r = c.get("/profile")
    check_status(r, 200)
    text = r.text()
    check_in("Your profile", text, "profile heading")
    check_in(email, text, "profile shows the email")
    check_eq(r.input_value("name"), "Katherine Johnson", "name field")
    check_in('action="/profile/password"', r.body, "password-change form")
    home = c.get("/")
    check_in("You are logged in as Katherine Johnson", home.text(), "home page when logged in")


def test_profile_name_update(ctx):
    s = ctx.server
    c, email, _ = registered_user(s)
    r = c.submit("/profile", {"name": "Ada King, Countess of Lovelace"})
    check_status(r, 303, "profile update")
    check_eq(r.location, s.url("/profile"), "profile update redirects to the profile")
    check_eq(user_row(s, email)["name"], "Ada King, Countess of Lovelace", "stored name")
    page = c.follow(r)
    check_in("Profile saved", page.text(), "flash after saving")
    check_eq(page.input_value("name"), "Ada King, Countess of Lovelace", "name field after saving")
    check_not_in("Profile saved", c.get("/profile").text(), "flash shown only once")


def test_profile_name_invalid(ctx):
    s = ctx.server
    c, email, _ = registered_user(s, name="Alan Turing")
    r = c.submit("/profile", {"name": "   "})
    check_status(r, 422, "empty name")
    check_in("Enter your full name", r.text(), "message for an empty name")
    r = c.submit("/profile", {"name": "x" * 101})
    check_status(r, 422, "name of 101 characters")
    check_eq(r.input_value("name"), "x" * 101, "the typed name is kept")
    r = c.submit("/profile", {"name": "Evil\u202eName"})
    check_status(r, 422, "name with a direction override")
    check_eq(user_row(s, email)["name"], "Alan Turing", "stored name unchanged")


def test_password_change(ctx):
    s = ctx.server
    a, email, old = registered_user(s)
    b = s.client()
    login(b, email, old)
    check_eq(session_count(s, email), 2, "two sessions")
    a_old_sid = a.sid
    new = new_password()
    r = a.submit("/profile", {"current_password": old, "new_password": new, "new_password_confirm": new},
                 action="/profile/password")
    check_status(r, 303, "password change")
    check_eq(r.location, s.url("/profile"), "password change redirects to the profile")
    rotated = r.set_cookie("sid")
    check(rotated is not None and rotated.value and rotated.value != a_old_sid, "the current session gets a new id")
    check_eq(session_count(s, email), 1, "sessions after the change (only the current one)")
    page = a.get("/profile")
    check_status(page, 200, "the changing browser stays logged in")
    check_in("Password changed", page.text(), "flash after the change")
    gone = b.get("/profile")
    check_status(gone, 303, "the other browser is logged out")
    check(gone.location.startswith(s.url("/login?next=")), f"the other browser goes to login: {gone.location}")
    replay = s.client()
    replay.cookies["sid"] = a_old_sid
    check_status(replay.get("/profile"), 303, "the old id of the changing browser is dead")

    fresh = s.client()
    r = fresh.submit("/login", {"email": email, "password": old})
    check_status(r, 401, "the old password")
    login(s.client(), email, new)


def test_password_change_checks(ctx):
    s = ctx.server
    c, email, old = registered_user(s)
    hash_before = user_row(s, email)["password_hash"]
    new = new_password()
    r = c.submit("/profile", {"current_password": "", "new_password": new, "new_password_confirm": new},
                 action="/profile/password")
    check_status(r, 422, "no current password")
    r = c.submit("/profile", {"current_password": old, "new_password": new, "new_password_confirm": new + "x"},
                 action="/profile/password")
    check_status(r, 422, "confirmation differs")
    check_in("do not match", r.text(), "message for a different confirmation")
    r = c.submit("/profile", {"current_password": old, "new_password": "short", "new_password_confirm": "short"},
                 action="/profile/password")
    check_status(r, 422, "too short a new password")
    r = c.submit("/profile", {"current_password": old + "x", "new_password": new, "new_password_confirm": new},
                 action="/profile/password")
    check_status(r, (401, 403), "wrong current password")
    check_in("current password is not right", r.text(), "message for a wrong current password")
    check_not_in(old, r.body, "the page")
    check_eq(user_row(s, email)["password_hash"], hash_before, "hash unchanged after refused changes")
    check_status(c.get("/profile"), 200, "still logged in")
    check_status(c.get("/profile/password"), 303, "GET /profile/password")


def test_logout(ctx):
    s = ctx.server
    c, email, _ = registered_user(s)
    old_sid = c.sid
    confirm = c.get("/logout")
    check_status(confirm, 200, "GET /logout shows a confirmation")
    check_in('action="/logout"', confirm.body, "logout form")
    check_eq(session_count(s, email), 1, "GET /logout does not log out")
    r = c.post("/logout", {"csrf_token": confirm.csrf_token()})
    check_status(r, 303, "POST /logout")
    check(r.location.startswith(s.url("/")), f"logout goes home: {r.location}")
    cleared = r.set_cookie("sid")
    check(cleared is not None and cleared.value == "" and cleared.attrs.get("max-age") == "0",
          f"sid cookie cleared with Max-Age=0: {cleared.raw if cleared else None}")
    check(r.header("Clear-Site-Data") is not None and "cookies" in r.header("Clear-Site-Data"),
          f"Clear-Site-Data header: {r.header('Clear-Site-Data')!r}")
    check_eq(session_count(s, email), 0, "session rows after logout")
    home = c.follow(r)
    check_in("You are logged out", home.text(), "message after logout")
    check_in("You are not logged in", home.text(), "home after logout")

    replay = s.client()
    replay.cookies["sid"] = old_sid
    r = replay.get("/profile")
    check_status(r, 303, "replaying the old cookie")
    check_eq(r.location, s.url("/login?next=/profile"), "replay goes to login")
    check_not_in(email, r.body, "the replay answer")


def test_logout_when_logged_out(ctx):
    s = ctx.server
    r = s.client().get("/logout")
    check_status(r, 303, "GET /logout without a session")
    check_eq(r.location, s.url("/"), "GET /logout without a session goes home")


def test_profile_requires_login(ctx):
    s = ctx.server
    c = s.client()
    r = c.get("/profile")
    check_status(r, 303, "GET /profile without a session")
    check(r.location.startswith(s.url("/login?next=")), f"redirect to login: {r.location}")
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(r.location).query)
    check_eq(query.get("next"), ["/profile"], "next parameter")
    r = c.get("/profile?tab=password")
    nxt = urllib.parse.parse_qs(urllib.parse.urlsplit(r.location).query).get("next")
    check_eq(nxt, ["/profile?tab=password"], "next keeps the query")
    email, password = register(c)
    page = c.get("/login?next=/profile%3Ftab%3Dpassword")
    check_eq(page.input_value("next"), "/profile?tab=password", "login form carries next")
    r = c.post("/login", {"csrf_token": page.csrf_token(), "email": email, "password": password,
                          "next": page.input_value("next")})
    check_status(r, 303, "login with next")
    check_eq(r.location, s.url("/profile?tab=password"), "login goes to next")
    r = s.client().post("/profile/password", {"current_password": password, "new_password": "x" * 20,
                                              "new_password_confirm": "x" * 20})
    check(r.status in (303, 403), f"POST /profile/password without a session: {r.status}")
    r = s.client().post("/profile", {"name": "Changed"})
    check(r.status in (303, 403), f"POST /profile without a session: {r.status}")
    check_eq(user_row(s, email)["name"], "Ada Lovelace", "nothing changed")


def test_email_case_insensitive_login(ctx):
    s = ctx.server
    c = s.client()
    email, password = register(c)
    local, domain = email.split("@")
    r = s.client().submit("/login", {"email": f"{local}@{domain.upper()}", "password": password})
    check_status(r, 303, "login with the domain in capitals")
    r = s.client().submit("/register", {"name": "Dup", "email": f"{local.upper()}@{domain}", "password": password,
                                        "password_confirm": password})
    check_status(r, 409, "register the same address in other case")


def test_login_replaces_old_session(ctx):
    s = ctx.server
    c = s.client()
    planted = "A" * 43
    c.cookies["sid"] = planted  # session fixation: an id chosen by someone else
    email_a, password_a = register(c)
    login(c, email_a, password_a)
    check(c.sid != planted, "an unknown planted id is never adopted")
    sid_a = c.sid
    email_b, password_b = register(s.client())
    login(c, email_b, password_b)  # the same browser logs in as someone else
    check(c.sid not in (sid_a, planted), "a new id at each login")
    check_eq(session_count(s, email_a), 0, "the previous session of this browser is ended")
    replay = s.client()
    replay.cookies["sid"] = sid_a
    check_status(replay.get("/profile"), 303, "the previous id is dead")
    check_in(email_b, c.get("/profile").text(), "the browser is now the second account")


def test_get_never_logs_in(ctx):
    s = ctx.server
    email, password = register(s.client())
    c = s.client()
    r = c.get("/login?" + urllib.parse.urlencode({"email": email, "password": password}))
    check_status(r, 200, "GET /login with credentials in the query")
    check(c.sid is None, "no session from a GET")
    check_eq(session_count(s, email), 0, "sessions")
    check_eq(r.input_value("email"), "", "the query does not fill the form")
