"""Passkeys through the web server: the routes of auth-passkey (the one
program that verifies WebAuthn answers) on every server, their JSON and
their refusals. Verification itself is tested against recorded messages in
tests/unit/test_webauthn.cc, and with a virtual authenticator in the browser
suite (tests/e2e)."""

import json

from harness import check, check_eq, check_in, check_status, registered_user


def test_passkey_routes_reach_their_program(ctx):
    s = ctx.server
    c = s.client()
    page = c.get("/login")
    check_status(page, 200)
    check_in("Log in with a passkey", page.body, "the login page's passkey button")
    check_in('autocomplete="username webauthn"', page.body, "passkey autofill in the email field")
    r = c.post("/login/passkey/challenge", {"csrf_token": page.csrf_token()})
    check_status(r, 200, "POST /login/passkey/challenge")
    check_in("application/json", r.header("Content-Type") or "", "the challenge's type")
    challenge = json.loads(r.body)["challenge"]
    check_eq(len(challenge), 43, "32 random bytes in base64url")
    again = c.post("/login/passkey/challenge", {"csrf_token": page.csrf_token()})
    check(json.loads(again.body)["challenge"] != challenge, "a new challenge every time")
    check_in("connect-src 'self'", r.header("Content-Security-Policy") or "", "the CSP lets site.js fetch only here")
    # Without its CSRF token, refused like any form.
    check_status(c.post("/login/passkey/challenge", {}), 403, "a challenge without the CSRF token")


def test_damaged_passkey_answer_refused(ctx):
    s = ctx.server
    c = s.client()
    page = c.get("/login")
    r = c.post("/login/passkey", {"csrf_token": page.csrf_token(), "credential_id": "%%%", "client_data": "x"})
    check_status(r, 400, "a damaged passkey answer")
    check_in("not complete or not readable", r.text(), "what the page says")
    check(r.set_cookie("sid") is None, "no session")
    # An answer that is well formed but for a challenge the site never made.
    fake = {"csrf_token": page.csrf_token(), "credential_id": "AAAA", "authenticator_data": "AAAA",
            "signature": "AAAA", "user_handle": "AAAA",
            "client_data": "eyJ0eXBlIjoid2ViYXV0aG4uZ2V0IiwiY2hhbGxlbmdlIjoiQUFBQSIsIm9yaWdpbiI6Imh0dHA6Ly9ldmlsIn0"}
    r = c.post("/login/passkey", fake)
    check_status(r, 403, "an answer for another origin")
    check_in("made for another site", r.text(), "what the page says")


def test_profile_passkeys_needs_login_and_password(ctx):
    s = ctx.server
    r = s.client().get("/profile/passkeys")
    check_status(r, 303, "the passkeys page without a session")
    c, email, password = registered_user(s)
    page = c.get("/profile/passkeys")
    check_status(page, 200, "GET /profile/passkeys")
    check_in("You have no passkeys yet.", page.text(), "the empty list")
    wrong = c.post("/profile/passkeys/new", {"csrf_token": page.csrf_token(), "name": "Laptop",
                                             "current_password": password + "x"})
    check_status(wrong, 403, "adding a passkey with a wrong password")
    ok = c.post("/profile/passkeys/new", {"csrf_token": page.csrf_token(), "name": "Laptop",
                                          "current_password": password})
    check_status(ok, 200, "adding a passkey: the page that asks the browser")
    check_in('data-challenge="', ok.body, "the creation options")
    step_up = c.post("/profile/passkeys/challenge", {"csrf_token": page.csrf_token()})
    check_status(step_up, 404, "a step-up challenge for an account without passkeys")
    check_status(c.get("/profile/passkeys/nothing"), 404, "an unknown path below /profile/passkeys")
