"""Login throttling (src/store/throttle.hh): 5 failures per email or 20 per
client address within 15 minutes. These tests run on servers of their own,
so the failures they cause do not throttle the other tests."""

from harness import (check, check_eq, check_in, check_status, login, new_email, new_password, register,
                     registered_user, session_count)

GENERIC = "The email address or the password is not right."


def _check_throttled(r, what):
    check_status(r, 429, what)
    retry = r.header("Retry-After")
    check(retry is not None and retry.isdigit() and 0 < int(retry) <= 15 * 60, f"{what}: Retry-After {retry!r}")
    check_in("Too many failed attempts", r.text(), f"{what}: message")


def test_throttle_existing_account(ctx):
    s = ctx.shared_server("throttle")
    email, password = register(s.client())
    local, domain = email.split("@")
    variants = [email, email, f"{local}@{domain.upper()}", email.upper(), email]
    for i, typed in enumerate(variants):
        r = s.client().submit("/login", {"email": typed, "password": f"wrong guess {i} xyz"},
                              headers={"X-Forwarded-For": f"10.0.0.{i}", "X-Real-IP": f"10.0.1.{i}"})
        check_status(r, 401, f"failure {i + 1}")
        check_in(GENERIC, r.text(), f"failure {i + 1}: message")
    r = s.client().submit("/login", {"email": email, "password": "wrong guess 6 xyz"},
                          headers={"X-Forwarded-For": "10.9.9.9", "Forwarded": "for=10.9.9.9"})
    _check_throttled(r, "6th attempt with a wrong password")
    c = s.client()
    r = c.submit("/login", {"email": email, "password": password})
    _check_throttled(r, "the right password after 5 failures")
    check(c.sid is None, "no session cookie while throttled")
    check_eq(session_count(s, email), 0, "sessions while throttled")
    other_email, other_password = register(s.client())
    login(s.client(), other_email, other_password)  # another account is not affected


def test_throttle_unknown_email(ctx):
    s = ctx.shared_server("throttle")
    email = new_email("ghost")
    for i in range(5):
        r = s.client().submit("/login", {"email": email, "password": f"guess number {i}"})
        check_status(r, 401, f"failure {i + 1} for an unknown email")
    r = s.client().submit("/login", {"email": email, "password": "guess number 6"})
    _check_throttled(r, "6th attempt for an unknown email")


def test_throttle_password_change(ctx):
    s = ctx.shared_server("throttle")
    c, email, password = registered_user(s)
    new = new_password()
    for i in range(5):
        r = c.submit("/profile", {"current_password": f"not it {i} at all", "new_password": new,
                                  "new_password_confirm": new}, action="/profile/password")
        check_status(r, (401, 403), f"wrong current password {i + 1}")
    r = c.submit("/profile", {"current_password": password, "new_password": new, "new_password_confirm": new},
                 action="/profile/password")
    check_status(r, 429, "password change after 5 wrong current passwords")
    check(r.header("Retry-After"), "Retry-After")
    r = s.client().submit("/login", {"email": email, "password": password})
    check_status(r, 429, "login of that account is throttled too")
    check_status(c.get("/profile"), 200, "the existing session goes on")


def test_throttle_per_address(ctx):
    with ctx.separate_server("throttle-ip") as s:
        email, password = register(s.client())
        for i in range(20):
            r = s.client().submit("/login", {"email": new_email("spray"), "password": f"spray guess {i}"})
            check_status(r, 401, f"failure {i + 1} from one address")
        r = s.client().submit("/login", {"email": new_email("spray"), "password": "spray guess 21"})
        check_status(r, 429, "21st failure from one address")
        check(r.header("Retry-After"), "Retry-After")
