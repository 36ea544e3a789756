"""Idle and absolute session timeouts, enforced by the server.

One server with SESSION_IDLE_TIMEOUT=3 and SESSION_ABSOLUTE_TIMEOUT=7 runs
both tests. Session times are whole seconds, so the keep-alive requests come
every 1.5 s: at 2 s, rounding could make a gap count as 3 s (idle).
"""

import time

from harness import check, check_eq, check_status, registered_user, session_count

IDLE, ABSOLUTE = 3, 7
ENV = {"SESSION_IDLE_TIMEOUT": str(IDLE), "SESSION_ABSOLUTE_TIMEOUT": str(ABSOLUTE)}


def _server(ctx):
    return ctx.shared_server("timeouts", ENV)


def _logged_out(s, c, what):
    r = c.get("/profile")
    check_status(r, 303, what)
    check(r.location.startswith(s.url("/login?next=")), f"{what}: to login ({r.location})")


def test_idle_timeout(ctx):
    s = _server(ctx)
    c, email, _ = registered_user(s)
    t0 = time.monotonic()
    check_status(c.get("/profile"), 200, "right after login")
    sid = c.sid
    time.sleep(IDLE + 1 - (time.monotonic() - t0))
    _logged_out(s, c, f"after {IDLE + 1} s idle")
    check_eq(session_count(s, email), 0, "the expired session row is deleted")
    replay = s.client()
    replay.cookies["sid"] = sid
    _logged_out(s, replay, "replaying the idle-expired cookie")


def test_absolute_timeout(ctx):
    s = _server(ctx)
    c, email, _ = registered_user(s)
    t0 = time.monotonic()
    # Whole-second times: before ABSOLUTE - 1.5 s the session must live, after ABSOLUTE + 0.5 s it must not.
    at = 1.5
    while at <= ABSOLUTE - 2:
        time.sleep(max(0.0, at - (time.monotonic() - t0)))
        r = c.get("/profile")
        check_status(r, 200, f"keep-alive request at {at:.1f} s")
        at += 1.5
    time.sleep(max(0.0, at - (time.monotonic() - t0)))
    c.get("/profile")  # near the limit: either answer is right, but it keeps the session from idling out
    end = ABSOLUTE + 0.5
    check(end - at < IDLE - 1, "test timing")
    time.sleep(max(0.0, end - (time.monotonic() - t0)))
    _logged_out(s, c, f"after {end} s despite activity")
    check_eq(session_count(s, email), 0, "the expired session row is deleted")
