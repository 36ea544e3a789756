#!/usr/bin/env python3
"""Starts the site for the browser tests (tests/e2e/run.mjs) and keeps it up.

    python3 tests/e2e/serve_for_e2e.py --root ROOT --build BUILD [--expiring-ttl SECONDS]

Starts one maildev (the development inbox) and three lighttpd instances of the
site built in BUILD, both sending their mail to that maildev: "main" with the
default settings, "expiring" with RESET_TOKEN_TTL and EMAIL_CHANGE_TTL set
to --expiring-ttl (for the expired-link pages; accounts made at once,
SIGNUP_CONFIRMATION=False), and "signup-expiring" with SIGNUP_TOKEN_TTL
set to it. When everything answers, prints one line of JSON:

    {"base": "http://localhost:P", "expiring": "http://127.0.0.1:Q",
     "signupExpiring": "http://127.0.0.1:S", "inbox": "http://127.0.0.1:W", "pid": N}

and then waits until its stdin closes or it gets SIGTERM/SIGINT; then it stops
every process it started (by PID, through harness and mailcatcher) and exits.
Uses the integration harness (Python standard library only).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree

import harness  # noqa: E402
from mailcatcher import MailDev  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", required=True)
    parser.add_argument("--build", required=True)
    parser.add_argument("--expiring-ttl", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the servers' directories")
    args = parser.parse_args()

    done = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, lambda *_: done.set())

    md = MailDev(args.root, label="e2e-maildev", keep=args.keep)
    servers: list[harness.Server] = []
    try:
        md.start()
        # Sign-up confirmed by mail as shipped; the expiring site makes its
        # accounts at once (its tests are about other links), and a third
        # one lets sign-up links expire.
        main_site = harness.LighttpdServer(args.root, args.build, label="e2e-main",
                                           env={**md.env(), "SIGNUP_CONFIRMATION": "True"}, keep=args.keep)
        # BASE_URL http://localhost:PORT: WebAuthn needs a domain as RP ID,
        # and browsers treat localhost as a secure context (the passkey tests).
        main_site.public_host = "localhost"
        servers.append(main_site)
        main_site.start()
        expiring = harness.LighttpdServer(args.root, args.build, label="e2e-expiring",
                                          env={**md.env(), "RESET_TOKEN_TTL": str(args.expiring_ttl),
                                               "EMAIL_CHANGE_TTL": str(args.expiring_ttl)},
                                          keep=args.keep)
        servers.append(expiring)
        expiring.start()
        signup_expiring = harness.LighttpdServer(args.root, args.build, label="e2e-signup-expiring", max_procs=1,
                                                 env={**md.env(), "SIGNUP_CONFIRMATION": "True",
                                                      "SIGNUP_TOKEN_TTL": str(args.expiring_ttl)},
                                                 keep=args.keep)
        servers.append(signup_expiring)
        signup_expiring.start()
        print(json.dumps({"base": main_site.base_url, "expiring": expiring.base_url,
                          "signupExpiring": signup_expiring.base_url,
                          "inbox": f"http://{md.host}:{md.web_port}", "pid": os.getpid(),
                          "dirs": [s.dir for s in servers]}), flush=True)

        def watch_stdin() -> None:
            try:
                while sys.stdin.buffer.read(4096):
                    pass
            except OSError:
                pass
            done.set()

        threading.Thread(target=watch_stdin, daemon=True).start()
        while not done.wait(0.5):
            pass
        return 0
    except (harness.SetupError, OSError) as e:
        print(json.dumps({"error": str(e)}), flush=True)
        return 1
    finally:
        for s in reversed(servers):
            try:
                s.stop()
            except Exception as e:  # noqa: BLE001 - stop the others too
                print(f"serve_for_e2e: stopping {s.label}: {e}", file=sys.stderr)
        md.close(keep=args.keep)


if __name__ == "__main__":
    sys.exit(main())
