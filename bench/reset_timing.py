#!/usr/bin/env python3
"""Does a password-reset request, or a registration, take longer for an
address that has an account?

    python3 bench/reset_timing.py --root ROOT --build BUILD [--posts N] [--follow-ups N] [--registrations N]

`./dev bench` calls this after bench/run_bench.py (BUILD: build-bench/);
nothing is built here. It starts the site with lighttpd on a free 127.0.0.1
port and a maildev of its own (the integration tests' LighttpdServer and
MailDev: `npm ci` must have installed maildev), then measures two things,
each for addresses with an account ("known", a new account each time) and
without ("unknown"), interleaved in pairs of random order:

  POST /reset                  --posts (30) of each: the mail is queued, not
                               sent, in the request, so both should take the
                               same time.
  GET /reset right after it    --follow-ups (15) of each: what a prober sees
                               next. The mail goes out after the response,
                               from a child the FastCGI process forks for it
                               (App::after_response), known address or not;
                               if the process did the SMTP work itself, the
                               next request's time would tell whether the
                               address has an account.

  POST /register               --registrations (30) of each, with sign-up
                               confirmation on (a site of its own): a new
                               address gets a link, a taken one a note to
                               its owner; both hash the password and queue
                               one mail, so both should take the same time.

After each measurement the site is let go idle (the known address's mail
has arrived), so that one measurement never waits for the one before.
Prints, for each, the medians in ms, their difference and the 10th to 90th
percentiles. Figures only, never a verdict (the machine may be shared and
noisy): the exit status is 0 unless the bench itself could not run.
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import re
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests", "integration"))
sys.dont_write_bytecode = True

import harness  # noqa: E402
from mailcatcher import MailDev  # noqa: E402

_sources = itertools.count(1)


def new_source() -> tuple[str, int]:
    """A loopback address not used before in this run (127.0.1.1, 127.0.1.2, …):
    the site allows 10 reset requests per client address and hour."""
    n = next(_sources)
    return (f"127.0.{1 + n // 250}.{1 + n % 250}", 0)


def timing_run(s: harness.Server, md: MailDev, n: int, follow_up: bool) -> dict[str, list[float]]:
    """n POST /reset per class; the times in ms of the POSTs or, with
    follow_up, of a GET /reset sent right after each POST."""
    known = [harness.register(s.client())[0] for _ in range(n)]
    unknown = [harness.new_email("ghost") for _ in range(n)]
    clients = {"known": s.client(), "unknown": s.client()}
    tokens = {label: c.get("/reset").csrf_token() for label, c in clients.items()}
    times: dict[str, list[float]] = {"known": [], "unknown": []}
    rng = random.Random(20261127)
    for i in range(n):
        pair = [("known", known[i]), ("unknown", unknown[i])]
        rng.shuffle(pair)
        for label, address in pair:
            c = clients[label]
            c.source_address = new_source()
            t0 = time.perf_counter()
            r = c.post("/reset", {"csrf_token": tokens[label], "email": address})
            took = (time.perf_counter() - t0) * 1000
            harness.check_status(r, 200, f"request {i} for a {label} address")
            if follow_up:
                t0 = time.perf_counter()
                r = c.get("/reset")
                took = (time.perf_counter() - t0) * 1000
                harness.check_status(r, 200, f"GET /reset after request {i} for a {label} address")
            times[label].append(took)
            if label == "known":
                found = md.wait_for(address, 1, timeout=10, poke=lambda: s.client().get("/login"), interval=0.03)
                harness.check(found, f"no reset mail to {address} within 10 s")
            time.sleep(0.05)
    return times


SIGNUP_LINK = re.compile(r"https?://[^\s\"'<>]+?(/register/confirm\?token=[A-Za-z0-9_-]+)")


def confirmed_account(s: harness.Server, md: MailDev) -> str:
    """An account made as a person makes one: the form, the mailed link, the button."""
    c = s.client()
    c.source_address = new_source()
    address = harness.new_email("owner")
    pw = harness.new_password()
    r = c.submit("/register", {"name": "Owner", "email": address, "password": pw, "password_confirm": pw})
    harness.check_status(r, 200, f"registering {address}")
    found = md.wait_for(address, 1, timeout=10, poke=lambda: s.client().get("/login"), interval=0.03)
    harness.check(found, f"no sign-up mail to {address} within 10 s")
    m = SIGNUP_LINK.search(found[0].text)
    harness.check(m, f"no sign-up link in the mail to {address}")
    page = c.get(m.group(1))
    r = c.post("/register/confirm", {"csrf_token": page.csrf_token(), "token": page.input_value("token"), "password": pw})
    harness.check_status(r, 303, f"confirming {address}")
    return address


def register_run(s: harness.Server, md: MailDev, n: int) -> dict[str, list[float]]:
    """n POST /register per class: "known" a taken address, "unknown" a new one."""
    taken = [confirmed_account(s, md) for _ in range(n)]
    fresh = [harness.new_email("fresh") for _ in range(n)]
    times: dict[str, list[float]] = {"known": [], "unknown": []}
    rng = random.Random(20261207)
    for i in range(n):
        pair = [("known", taken[i]), ("unknown", fresh[i])]
        rng.shuffle(pair)
        for label, address in pair:
            c = s.client()
            c.source_address = new_source()
            token = c.get("/register").csrf_token()
            pw = harness.new_password()
            t0 = time.perf_counter()
            r = c.post("/register", {"csrf_token": token, "name": "Ada Lovelace", "email": address, "password": pw,
                                     "password_confirm": pw})
            took = (time.perf_counter() - t0) * 1000
            harness.check_status(r, 200, f"registration {i} for a {label} address")
            times[label].append(took)
            found = md.wait_for(address, 2 if label == "known" else 1, timeout=10,
                                poke=lambda: s.client().get("/login"), interval=0.03)
            harness.check(found, f"no sign-up mail to {address} within 10 s")
            time.sleep(0.05)
    return times


def percentile(values: list[float], pct: int) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * pct / 100))]


def report(times: dict[str, list[float]], what: str) -> None:
    k, u = times["known"], times["unknown"]
    mk, mu = statistics.median(k), statistics.median(u)
    print(f"{what}, {len(k)} each: median known {mk:.2f} ms, unknown {mu:.2f} ms, difference {mk - mu:+.2f} ms "
          f"(p10-p90 known {percentile(k, 10):.2f}-{percentile(k, 90):.2f}, "
          f"unknown {percentile(u, 10):.2f}-{percentile(u, 90):.2f})", flush=True)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", required=True, help="the source checkout (templates/, data/, htdocs/, etc/, node_modules/)")
    ap.add_argument("--build", required=True, help="the build directory holding auth-* and sessionauth-admin")
    ap.add_argument("--posts", type=int, default=30, help="POST /reset timed per class")
    ap.add_argument("--follow-ups", type=int, default=15, help="GET /reset after POST /reset timed per class")
    ap.add_argument("--registrations", type=int, default=30, help="POST /register timed per class")
    args = ap.parse_args(argv)
    root, build = os.path.abspath(args.root), os.path.abspath(args.build)

    md = MailDev(root, label="bench-maildev")  # stopped at exit (mailcatcher's atexit)
    s = harness.LighttpdServer(root, build, label="bench-reset")
    signup = harness.LighttpdServer(root, build, label="bench-signup",
                                    env={"SIGNUP_CONFIRMATION": "True", "SIGNUP_MAX_PER_HOUR_PER_ADDRESS": "100000"})
    try:
        md.start()
        s.env_overrides.update(md.env())
        s.start()
        print(f"# reset timing: site at {s.base_url}, maildev SMTP on {md.smtp_port}", file=sys.stderr, flush=True)
        report(timing_run(s, md, args.posts, follow_up=False), "POST /reset")
        report(timing_run(s, md, args.follow_ups, follow_up=True), "GET /reset right after POST /reset")
        s.stop()
        signup.env_overrides.update(md.env())
        signup.start()
        report(register_run(signup, md, args.registrations), "POST /register (known: the address has an account)")
    except (harness.SetupError, AssertionError, OSError) as e:
        print(f"reset timing: could not run: {e}", file=sys.stderr)
        return 1
    finally:
        s.stop()
        signup.stop()
        md.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
