#!/usr/bin/env python3
"""What one FastCGI request costs a program as a whole: instructions (callgrind,
libfcgi, libc and every library included) and system calls (strace -c).

    python3 bench/fcgi_cost.py [--tool callgrind|strace] [--requests N] [--user USER]
                               [--env NAME=VALUE ...] [--param NAME=VALUE ...] -- PROGRAM [ARG ...]

PROGRAM is started the way lighttpd starts a FastCGI program (a listening
Unix socket as its fd 0), under valgrind or strace, and given requests one
after the other, each on a connection of its own as lighttpd sends them:
the parameters lighttpd 1.4 passes for a GET (REQUEST_URI etc. from --param;
a --param overrides or adds one). It runs twice, with 5 and with 5 + N
requests, and prints the difference divided by N: start-up, the first
requests (templates read, statements prepared) and the end are left out.
bench/request_cost.cc counts the site's own code alone; this counts what the
process spends on a request (libfcgi's reads and writes, the accept loop),
and the same for bench/fcgi_control, so that the two can be compared.

With --tool callgrind it also keeps the profile of the longer run
(--out FILE) for callgrind_annotate, and the shorter one's (FILE.warm):
the difference of the two is what the N requests cost, function by
function. --user runs the program as that user
(as the web server would: the database belongs to it).
"""

from __future__ import annotations

import argparse
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

WARM = 5


def record(kind: int, content: bytes, request_id: int = 1) -> bytes:
    pad = (8 - len(content) % 8) % 8
    return bytes([1, kind]) + request_id.to_bytes(2, "big") + len(content).to_bytes(2, "big") + bytes([pad, 0]) + \
        content + b"\0" * pad


def length(n: int) -> bytes:
    return bytes([n]) if n < 128 else (n | 0x80000000).to_bytes(4, "big")


def request_bytes(params: dict[str, str]) -> bytes:
    body = b"".join(length(len(k.encode())) + length(len(v.encode())) + k.encode() + v.encode() for k, v in params.items())
    return (record(1, bytes([0, 1, 0, 0, 0, 0, 0, 0]))  # BEGIN_REQUEST, responder, no keep-conn
            + record(4, body) + record(4, b"") + record(5, b""))


def lighttpd_params(path: str) -> dict[str, str]:
    """What lighttpd 1.4 passes for GET PATH (seen with strace on its FastCGI socket)."""
    return {
        "CONTENT_LENGTH": "0", "QUERY_STRING": "", "REQUEST_URI": path, "REDIRECT_STATUS": "200",
        "SCRIPT_NAME": path, "SCRIPT_FILENAME": "/srv/site/htdocs" + path, "DOCUMENT_ROOT": "/srv/site/htdocs",
        "REQUEST_METHOD": "GET", "SERVER_PROTOCOL": "HTTP/1.1", "SERVER_SOFTWARE": "", "GATEWAY_INTERFACE": "CGI/1.1",
        "REQUEST_SCHEME": "http", "SERVER_PORT": "8080", "SERVER_ADDR": "127.0.0.1", "SERVER_NAME": "127.0.0.1",
        "REMOTE_ADDR": "127.0.0.1", "REMOTE_PORT": "45824", "HTTP_HOST": "127.0.0.1:8080",
        "HTTP_USER_AGENT": "sessionauth-bench", "HTTP_ACCEPT": "*/*",
    }


def ask(sock_path: str, data: bytes, timeout: float) -> bytes:
    """One request on a connection of its own; the STDOUT records' content."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        s.connect(sock_path)
        s.sendall(data)
        got = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            got += chunk
    out, i = b"", 0
    while i + 8 <= len(got):
        kind, n, pad = got[i + 1], int.from_bytes(got[i + 4:i + 6], "big"), got[i + 6]
        if kind == 6:
            out += got[i + 8:i + 8 + n]
        i += 8 + n + pad
    return out


def children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


def run(tool: str, program: list[str], env: dict[str, str], data: bytes, count: int, user: str | None,
        work: str, out: str | None) -> tuple[int, str]:
    """Starts the program under `tool`, sends `count` requests, stops it;
    (instructions or system calls in all, the first answer's status line)."""
    sock_path = os.path.join(work, f"fcgi-{count}.sock")
    report = os.path.join(work, f"report-{count}")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(sock_path)
    os.chmod(sock_path, 0o777)
    listener.listen(16)
    if tool == "callgrind":
        wrap = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out or report}", f"--log-file={report}.log"]
    else:
        wrap = ["strace", "-f", "-c", "-o", report]
    who = {}
    if user:
        pw = pwd.getpwnam(user)
        who = {"user": pw.pw_uid, "group": pw.pw_gid, "extra_groups": []}
    proc = subprocess.Popen(wrap + program, stdin=listener.fileno(), env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, **who)
    listener.close()
    first = ""
    try:
        for i in range(count):
            answer = ask(sock_path, data, timeout=60)
            if i == 0:
                first = answer.split(b"\r\n", 1)[0].decode(errors="replace")
    finally:
        # SIGTERM to the program itself (under strace, its child), as the
        # web server ends it; the tool then writes its report and exits.
        time.sleep(0.2)
        targets = [proc.pid] if tool == "callgrind" else children(proc.pid)
        for pid in targets or [proc.pid]:
            os.kill(pid, signal.SIGTERM)
        try:
            _, err = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
    if tool == "callgrind":
        with open(report + ".log") as f:
            text = f.read()
        m = re.search(r"Collected : (\d+)", text)
    else:
        # strace -c's last line: "100.00  0.001234  1  2020  13 total" (% time,
        # seconds, usecs/call, calls, errors if any, "total").
        with open(report) as f:
            text = f.read()
        m = re.search(r"^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?total$", text, re.M)
    if not m:
        raise RuntimeError(f"no {tool} total: {text[-500:]} {err.decode(errors='replace')[-300:]}")
    return int(m.group(1)), first


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tool", choices=("callgrind", "strace"), default="callgrind")
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--path", default="/profile", help="REQUEST_URI and SCRIPT_NAME")
    ap.add_argument("--param", action="append", default=[], help="NAME=VALUE, a request parameter")
    ap.add_argument("--env", action="append", default=[], help="NAME=VALUE, the process environment")
    ap.add_argument("--user", help="run the program as this user")
    ap.add_argument("--out", help="callgrind: keep the longer run's profile here (and the shorter one's as OUT.warm); "
                                  "written by the program's user")
    ap.add_argument("program", nargs="+")
    args = ap.parse_args(argv)
    if shutil.which("valgrind" if args.tool == "callgrind" else "strace") is None:
        print(f"fcgi_cost: {args.tool} is not installed", file=sys.stderr)
        return 2
    params = lighttpd_params(args.path)
    for p in args.param:
        k, _, v = p.partition("=")
        params[k] = v
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    for e in args.env:
        k, _, v = e.partition("=")
        env[k] = v
    data = request_bytes(params)
    work = tempfile.mkdtemp(prefix="fcgi-cost-")
    os.chmod(work, 0o777)
    try:
        t0 = time.monotonic()
        few, status = run(args.tool, args.program, env, data, WARM, args.user, work,
                          args.out + ".warm" if args.out else None)
        many, _ = run(args.tool, args.program, env, data, WARM + args.requests, args.user, work, args.out)
        what = "instructions" if args.tool == "callgrind" else "system calls"
        print(f"{os.path.basename(args.program[0])} {params['REQUEST_METHOD']} {params['REQUEST_URI']} ({status}): "
              f"{(many - few) / args.requests:.1f} {what} per request ({args.requests} requests, "
              f"{time.monotonic() - t0:.0f} s)")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
