"""No secrets in logs: a reset link and an email-change link are opened, and
then no log of the server (access log, error log, the programs' stderr) holds
either token.

The server is one of its own, stopped before its logs are read: lighttpd
buffers its access log, and what a running server has not written yet could
not be found. The access logs must name both paths (a log that records nothing
would pass for the wrong reason)."""

import os
import shutil

import test_profile
import test_reset
from harness import TestFailure, check, check_status, new_email, register, registered_user

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
    s = ctx.make_server("logs", md.env())
    s.keep = True  # read after it stops; removed below
    try:
        s.start()
        # A reset link, opened (and over https also at the plain http port,
        # which only redirects).
        email, _ = register(s.client())
        reset_path, reset_token, _ = test_reset._request_link(s, md, email)
        check_status(s.client().get(reset_path), 200, "opening the reset link")
        if s.https:
            check_status(s.client().request("GET", reset_path, plain=True), 301, "the reset link over plain http")
        # An email-change link, opened.
        c, _, password = registered_user(s)
        new = new_email("logs")
        check_status(test_profile._ask_change(c, new, password), 303, "asking to change the address")
        email_path = test_profile._link(s, test_profile._wait(s, md, new, 1)[0])
        email_token = email_path.split("token=")[1]
        check_status(s.client().get(email_path), 200, "opening the email-change link")
        check(len(reset_token) >= 20 and len(email_token) >= 20, "the tokens are long enough to search for")
        # A wrong token too: an error path may log what it refused.
        check_status(s.client().get(reset_path[:-4] + "AAAA"), (200, 400, 404, 410), "a damaged reset link")
        s.stop()

        logs = _logs(s.dir)
        access = {name: text for name, text in logs.items() if "access" in name}
        check(access, f"no access log among {sorted(logs)}")
        every_access = "\n".join(access.values())
        for path in ("/reset/confirm", "/profile/email/confirm"):
            check(path in every_access, f"the access log does not name {path}: is it logging?")
        found = [f"{name} holds the {what} token" for name, text in logs.items()
                 for what, token in (("reset", reset_token), ("email-change", email_token), ("damaged", reset_token[:-4]))
                 if token in text]
        if found:
            raise TestFailure("; ".join(found))
        ctx.note(f"searched {sorted(logs)}")
    finally:
        s.stop()
        if s.dir and not ctx.args.keep:
            shutil.rmtree(s.dir, ignore_errors=True)
