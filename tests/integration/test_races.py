"""Races in the account logic, seen from outside: requests prepared one by one
(every browser fetches its form and CSRF token first), then released together
with a threading.Barrier, and only then counted and checked.

  fifty_wrong_logins_verify_at_most_five
      50 wrong passwords for one account at once: at most 5 may be verified
      (401); every other answer is 429 with Retry-After. Checking the limit
      and recording the failure must be one step, or every process that
      checked before the others recorded gets its guess.
  login_with_old_password_racing_password_change_leaves_no_session
  login_with_old_password_racing_password_reset_leaves_no_session
      logins with the old password while the password changes (on
      /profile/password) or is reset (on /reset/confirm): a login that read
      the old hash before the change and creates its session after it would
      keep a session the change was meant to end. Afterwards no browser that
      logged in with the old password may still be logged in; the browser
      that changed the password is (a reset logs everyone out); the new
      password logs in.

Every test runs on a server of its own: the failures it causes must not
throttle the other tests, and the 429s of the burst must come from the limit
per email (5), never from the limit per address (20 in 15 minutes). All
requests come from 127.0.0.1, so the per-address budget is counted here: the
burst records at most 5 failures if the site is right (only a verified wrong
password is recorded). Each round of the password races uses a new account
and records at most LOGINS failures in the race, which the login with the
new password afterwards clears (a successful login deletes the email's
failures recorded before it, which are also the ones the address counts), and one more for the old
password after that: at most LOGINS + ROUNDS (10) at any time. POST /reset
allows 10 requests per address and hour: ROUNDS stays below that.

Bounded: ROUNDS rounds and at most ROUND_SECONDS of rounds per race test;
every thread is joined with a timeout.
"""

from __future__ import annotations

import random
import re
import threading
import time

from harness import (check, check_eq, check_in, check_status, login, new_email, new_password, register)
from mailcatcher import MailDev

BURST = 50
PER_EMAIL = 5  # LoginThrottle::kPerEmail
PER_ADDRESS = 20  # LoginThrottle::kPerAddress
LOGINS = 4  # old-password logins per round: under PER_EMAIL, so the new password still logs in afterwards
ROUNDS = 6
ROUND_SECONDS = 45.0
THROTTLED = "Too many failed attempts"
LINK_RE = re.compile(r"https?://[^\s\"'<>]+?(/reset/confirm\?token=[A-Za-z0-9_-]+)")


# --------------------------------------------------------------------------
# Helpers


def _together(jobs, timeout: float = 120.0) -> list:
    """Runs the callables of `jobs` ((delay in s, callable) pairs) in threads
    released at once by a barrier; each waits its delay, then runs. Returns
    their results in order (an exception becomes "Name: text")."""
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)

    def worker(i, delay, fn):
        try:
            barrier.wait(timeout=30)
            if delay > 0:
                time.sleep(delay)
            results[i] = fn()
        except Exception as e:  # reported by the caller
            results[i] = f"{type(e).__name__}: {e}"

    threads = [threading.Thread(target=worker, args=(i, d, fn), daemon=True) for i, (d, fn) in enumerate(jobs)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + timeout
    for t in threads:
        t.join(timeout=max(0.1, deadline - time.monotonic()))
    check(all(not t.is_alive() for t in threads), f"all {len(jobs)} requests finished within {timeout:.0f} s")
    return results


def _status(result) -> object:
    return result.status if hasattr(result, "status") else result


def _login_forms(s, n: int) -> list:
    """n browsers, each with its own CSRF cookie and the token of its login form."""
    out = []
    for _ in range(n):
        c = s.client()
        page = c.get("/login")
        check_status(page, 200, "GET /login before the race")
        out.append((c, page.csrf_token()))
    return out


def _warm_up(s, email: str | None = None, password: str | None = None) -> None:
    """Logs one account in from 2 x max_procs browsers at once, so that
    every FastCGI process of auth-login runs before the race: mod_fcgid
    starts them on demand (one at first, the next after a request waited),
    and a race against a single process would be serialized by it."""
    if email is None:
        email, password = register(s.client())
    forms = _login_forms(s, 2 * s.max_procs)
    results = _together([(0.0, lambda c=c, t=t: c.post("/login", {"csrf_token": t, "email": email,
                                                                    "password": password}))
                         for c, t in forms])
    statuses = [_status(r) for r in results]
    check(statuses == [303] * len(forms), f"logins before the race (warming up): {statuses}")


def _timed_login(c, email: str, password: str) -> float:
    """Logs in (GET /login, then the POST); returns the seconds the POST took."""
    page = c.get("/login")
    check_status(page, 200, "GET /login")
    t0 = time.monotonic()
    r = c.post("/login", {"csrf_token": page.csrf_token(), "email": email, "password": password})
    took = time.monotonic() - t0
    check_status(r, 303, f"logging in as {email}")
    check(c.sid, f"no sid cookie after logging in as {email}")
    return took


def _logged_out(s, c) -> str | None:
    """None if the browser's session is gone (GET /profile sends it to log in), else what it got."""
    r = c.get("/profile")
    if r.status == 303 and (r.location or "").startswith(s.url("/login?next=")):
        return None
    return f"{r.status} {r.location or ''}".strip()


def _old_password_race(s, email: str, old: str, rival, rival_span: float, rng: random.Random):
    """LOGINS browsers log in with the old password while `rival` (a
    callable: the password change or the reset) runs. The logins start
    spread over `rival_span` seconds from the release, at a random phase, so
    that over the rounds they cover the moment the rival commits. Returns
    (the rival's response, [(browser, response or error)])."""
    forms = _login_forms(s, LOGINS)
    step = rival_span / LOGINS
    phase = rng.random()
    delays = [(i + phase) * step for i in range(LOGINS)]
    rng.shuffle(delays)
    jobs = [(0.0, rival)]
    for (c, token), delay in zip(forms, delays):
        jobs.append((delay, lambda c=c, token=token: c.post("/login", {"csrf_token": token, "email": email,
                                                                         "password": old})))
    results = _together(jobs)
    return results[0], [(c, r) for (c, _), r in zip(forms, results[1:])]


class _Tally:
    """What the rounds of one race test saw, for the notes and the failure message."""

    def __init__(self):
        self.rounds = 0
        self.statuses: dict[object, int] = {}
        self.sessions = 0  # old-password logins that got a session cookie
        self.survivors: list[str] = []  # of those, still logged in after the change or reset

    def add(self, status) -> None:
        self.statuses[status] = self.statuses.get(status, 0) + 1

    def text(self) -> str:
        shown = ", ".join(f"{k}: {v}" for k, v in sorted(self.statuses.items(), key=lambda kv: str(kv[0])))
        return (f"{self.rounds} rounds of {LOGINS} old-password logins ({shown}); {self.sessions} got a session, "
                f"{len(self.survivors)} of them still logged in afterwards")


def _check_logins(s, round_no: int, logins, tally: _Tally) -> None:
    """The old-password logins of one round: a 303 with a session or a 401;
    a browser that got a session must be logged out now."""
    for i, (c, r) in enumerate(logins):
        status = _status(r)
        tally.add(status)
        check(status in (303, 401), f"round {round_no}, old-password login {i}: expected 303 or 401, got "
                                    f"{r.summary() if hasattr(r, 'summary') else r}")
        if status == 303:
            check(c.sid, f"round {round_no}, old-password login {i}: a 303 without a session cookie")
            tally.sessions += 1
            still = _logged_out(s, c)
            if still is not None:
                tally.survivors.append(f"round {round_no} login {i}: GET /profile -> {still}")


def _check_new_password(s, email: str, old: str, new: str, what: str) -> None:
    """The new password logs in (which also clears the account's failures,
    and with them this round's share of the address budget); the old one no
    longer does."""
    login(s.client(), email, new)
    r = s.client().submit("/login", {"email": email, "password": old})
    check_status(r, 401, f"{what}: the old password afterwards")


# --------------------------------------------------------------------------
# The login throttle under a burst


def test_fifty_wrong_logins_verify_at_most_five(ctx):
    with ctx.separate_server("races-burst") as s:
        email, password = register(s.client())
        _warm_up(s, email, password)
        forms = _login_forms(s, BURST)
        jobs = [(0.0, lambda c=c, t=t, i=i: c.post("/login", {"csrf_token": t, "email": email,
                                                               "password": f"wrong guess {i} for the race"}))
                for i, (c, t) in enumerate(forms)]
        t0 = time.monotonic()
        results = _together(jobs, timeout=180)
        took = time.monotonic() - t0
        statuses = [_status(r) for r in results]
        counts = {st: statuses.count(st) for st in sorted(set(statuses), key=str)}
        ctx.note(f"{BURST} wrong passwords at once ({took:.1f} s): {counts}")

        broken = [st for st in statuses if not isinstance(st, int)]
        check(not broken, f"requests without an answer: {broken[:5]} (all answers: {counts})")
        server_errors = [st for st in statuses if st >= 500]
        check(not server_errors, f"5xx answers: {server_errors} (all answers: {counts})")
        others = [st for st in statuses if st not in (401, 429)]
        check(not others, f"answers other than 401 and 429: {others} (all answers: {counts})")
        verified = statuses.count(401)
        check(verified <= PER_EMAIL, f"{verified} of {BURST} wrong passwords were verified (401), at most "
                                     f"{PER_EMAIL} may be; the others must be 429 (all answers: {counts})")
        for i, r in enumerate(results):
            if r.status == 429:
                retry = r.header("Retry-After")
                check(retry is not None and retry.isdigit() and 0 < int(retry) <= 15 * 60,
                      f"answer {i} (429): Retry-After {retry!r}")
                check_in(THROTTLED, r.text(), f"answer {i} (429): message")

        # The 429s came from the limit per email: this address recorded at
        # most `verified` (< PER_ADDRESS) failures, and is not throttled now.
        r = s.client().submit("/login", {"email": new_email("other"), "password": "a wrong guess elsewhere"})
        check_status(r, 401, "a wrong password for another address right after the burst (the address is not throttled)")
        r = s.client().submit("/login", {"email": email, "password": password})
        check_status(r, 429, "the right password right after the burst (the account is throttled)")


# --------------------------------------------------------------------------
# Old-password logins against a password change and a password reset


def test_login_with_old_password_racing_password_change_leaves_no_session(ctx):
    with ctx.separate_server("races-change") as s:
        _warm_up(s)
        rng = random.Random()
        tally = _Tally()
        deadline = time.monotonic() + ROUND_SECONDS
        for round_no in range(1, ROUNDS + 1):
            if time.monotonic() > deadline:
                break
            a = s.client()  # browser A: logged in, changes the password
            email, old = register(a)
            login_time = _timed_login(a, email, old)
            page = a.get("/profile")
            check_status(page, 200, f"round {round_no}: GET /profile in A")
            token = page.csrf_token()
            new = new_password()
            sid_before = a.sid

            def change(a=a, token=token, old=old, new=new):
                return a.post("/profile/password", {"csrf_token": token, "current_password": old,
                                                    "new_password": new, "new_password_confirm": new})

            # The change verifies the old password and hashes the new one
            # (two Argon2 runs) before it commits: the logins start over
            # three login times, so that some read the old hash just before.
            changed, logins = _old_password_race(s, email, old, change, 3 * login_time, rng)
            tally.rounds += 1
            check(hasattr(changed, "status"), f"round {round_no}: the password change got no answer: {changed}")
            check_status(changed, 303, f"round {round_no}: the password change")
            check(a.sid and a.sid != sid_before, f"round {round_no}: A got a new session cookie from the change")
            _check_logins(s, round_no, logins, tally)
            check_status(a.get("/profile"), 200, f"round {round_no}: A is logged in after the change")
            _check_new_password(s, email, old, new, f"round {round_no}")
        ctx.note(tally.text())
        check(not tally.survivors, f"old-password sessions outlived the password change: {tally.text()}: "
                                   f"{tally.survivors}")


def test_login_with_old_password_racing_password_reset_leaves_no_session(ctx):
    md = MailDev(ctx.args.root, label="maildev-races", keep=ctx.args.keep).start()
    try:
        with ctx.separate_server("races-reset", md.env()) as s:
            _warm_up(s)
            rng = random.Random()
            tally = _Tally()
            deadline = time.monotonic() + ROUND_SECONDS
            for round_no in range(1, ROUNDS + 1):
                if time.monotonic() > deadline:
                    break
                a = s.client()  # browser A: logged in before the reset, logged out by it
                email, old = register(a)
                login_time = _timed_login(a, email, old)

                r = s.client().submit("/reset", {"email": email})
                check_status(r, 200, f"round {round_no}: asking for a reset link")
                mails = md.wait_for(email, 1, timeout=15, poke=lambda: s.client().get("/login"), interval=0.1)
                check(mails, f"round {round_no}: no reset mail to {email} within 15 s")
                m = LINK_RE.search(mails[0].text)
                check(m, f"round {round_no}: no reset link in the mail: {mails[0].text[:300]!r}")
                r_browser = s.client()  # the browser that opens the link
                form = r_browser.get(m.group(1))
                check_status(form, 200, f"round {round_no}: opening the reset link")
                fields = {"csrf_token": form.csrf_token(), "token": form.input_value("token")}
                new = new_password()

                def reset(r_browser=r_browser, fields=fields, new=new):
                    return r_browser.post("/reset/confirm", {**fields, "password": new, "password_confirm": new})

                # The reset hashes the new password (one Argon2 run) before
                # it commits: the logins start over two login times.
                done, logins = _old_password_race(s, email, old, reset, 2 * login_time, rng)
                tally.rounds += 1
                check(hasattr(done, "status"), f"round {round_no}: the reset got no answer: {done}")
                check_status(done, 303, f"round {round_no}: setting the new password on /reset/confirm")
                check_eq(done.location, s.url("/login"), f"round {round_no}: after the reset, to the login page")
                _check_logins(s, round_no, logins, tally)
                still = _logged_out(s, a)
                check(still is None, f"round {round_no}: A, logged in before the reset, is still logged in: {still}")
                _check_new_password(s, email, old, new, f"round {round_no}")
            ctx.note(tally.text())
            check(not tally.survivors, f"old-password sessions outlived the password reset: {tally.text()}: "
                                       f"{tally.survivors}")
    finally:
        md.close(keep=ctx.args.keep)
