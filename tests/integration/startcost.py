#!/usr/bin/env python3
"""What a request costs on each web server: N sequential GET /login (a new
connection each, as a browser's first visit), after a warm-up, on the same
servers the integration suite uses. Under plain CGI (apache-cgi) every
request starts a program; under FastCGI (lighttpd, apache with mod_fcgid)
the programs keep running.

    python3 tests/integration/startcost.py --root ROOT --build BUILD [-n 200]
                                           [--servers lighttpd,apache,apache-cgi]

Prints one line per server: median, mean and 90th percentile in ms per request.
"""

from __future__ import annotations

import argparse
import http.client
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True

import harness  # noqa: E402


def get_login(server) -> float:
    t0 = time.perf_counter()
    conn = http.client.HTTPConnection(server.host, server.port, timeout=30)
    try:
        conn.request("GET", "/login", headers={"Connection": "close"})
        r = conn.getresponse()
        r.read()
        if r.status != 200:
            raise RuntimeError(f"GET /login: {r.status}")
    finally:
        conn.close()
    return (time.perf_counter() - t0) * 1000


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--root", required=True)
    p.add_argument("--build", required=True)
    p.add_argument("-n", type=int, default=200)
    p.add_argument("--servers", default="lighttpd,apache,apache-cgi")
    args = p.parse_args()
    for name in args.servers.split(","):
        cls = harness.server_class(name)
        if cls is None:
            print(f"unknown server {name}", file=sys.stderr)
            return 2
        server = cls(args.root, args.build, label=f"cost-{name}")
        try:
            server.start()
            for _ in range(20):
                get_login(server)
            times = sorted(get_login(server) for _ in range(args.n))
            p90 = times[int(len(times) * 0.9) - 1]
            print(f"{name:11} {args.n} x GET /login: median {statistics.median(times):.2f} ms, "
                  f"mean {statistics.fmean(times):.2f} ms, p90 {p90:.2f} ms", flush=True)
        finally:
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
