"""No secrets in logs: a sign-up link, a reset link and an email-change link
are opened, and then no log of the server (access log, error log, the
programs' stderr) holds any of the tokens.

The server is one of its own, stopped before its logs are read: lighttpd
buffers its access log, and what a running server has not written yet could
not be found. The access logs must name every path (a log that records nothing
would pass for the wrong reason)."""

import os
import shutil

import test_profile
import test_reset
import test_signup
from harness import TestFailure, check, check_status, new_email

LOG_SUFFIXES = (".log", ".stderr", ".stdout")


def _logs(directory: str) -> dict[str, str]:
    out = {}
    for top, _, files in os.walk(directory):
        for name in files:
            if name.endswith(LOG_SUFFIXES):
                path = os.path.join(top, name)
                with open(path, "rb") as f:
                    out[os.path.relpath(path, directory)] = f.read().decode(errors="replace")
    return out


def test_logs_keep_no_link_tokens(ctx):
    md = test_reset._catcher(ctx)
    s = ctx.make_server("logs", {**md.env(), "SIGNUP_CONFIRMATION": "True"})
    s.keep = True  # read after it stops; removed below
    try:
        s.start()

        def signed_up():
            """A new account, made through its sign-up link: (logged-in client, address, password, token)."""
            address = test_signup._address("log")
            _, password = test_signup._register(s, address)
            path, token = test_signup._link(s, test_signup._mails(s, md, address, 1)[-1])
            c, r = test_signup._confirm(s, path, password)
            check_status(r, 303, "confirming the sign-up")
            return c, address, password, token

        # A sign-up link, opened and used.
        _, email, _, signup_token = signed_up()
        # A reset link, opened (and over https also at the plain http port,
        # which only redirects).
        reset_path, reset_token, _ = test_reset._request_link(s, md, email)
        check_status(s.client().get(reset_path), 200, "opening the reset link")
        if s.https:
            check_status(s.client().request("GET", reset_path, plain=True), 301, "the reset link over plain http")
        # An email-change link, opened.
        c, _, password, _ = signed_up()
        new = new_email("logs")
        check_status(test_profile._ask_change(c, new, password), 303, "asking to change the address")
        email_path = test_profile._link(s, test_profile._wait(s, md, new, 1)[0])
        email_token = email_path.split("token=")[1]
        check_status(s.client().get(email_path), 200, "opening the email-change link")
        check(min(len(reset_token), len(email_token), len(signup_token)) >= 20, "the tokens are long enough to search for")
        # A wrong token too: an error path may log what it refused.
        check_status(s.client().get(reset_path[:-4] + "AAAA"), (200, 400, 404, 410), "a damaged reset link")
        s.stop()

        logs = _logs(s.dir)
        access = {name: text for name, text in logs.items() if "access" in name}
        check(access, f"no access log among {sorted(logs)}")
        every_access = "\n".join(access.values())
        for path in ("/register/confirm", "/reset/confirm", "/profile/email/confirm"):
            check(path in every_access, f"the access log does not name {path}: is it logging?")
        found = [f"{name} holds the {what} token" for name, text in logs.items()
                 for what, token in (("sign-up", signup_token), ("reset", reset_token), ("email-change", email_token),
                                     ("damaged", reset_token[:-4]))
                 if token in text]
        if found:
            raise TestFailure("; ".join(found))
        ctx.note(f"searched {sorted(logs)}")
    finally:
        s.stop()
        if s.dir and not ctx.args.keep:
            shutil.rmtree(s.dir, ignore_errors=True)
