"""Security headers on every dynamic answer: pages, redirects and error pages."""

import re

from harness import TestFailure, check, check_eq, check_status, register, registered_user

# What the programs and the shipped configurations send over https for a
# site at the root of its host (the test servers' site is).
HSTS_AT_ROOT = "max-age=63072000; includeSubDomains"
STRICT_REFERRER = {"no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin"}


def _csp_directives(value: str) -> dict:
    out = {}
    for part in value.split(";"):
        words = part.split()
        if words:
            out[words[0].lower()] = [w.lower() for w in words[1:]]
    return out


def check_headers(r, what: str, html: bool = True) -> None:
    problems = []
    csp = r.header("Content-Security-Policy")
    if not csp:
        problems.append("no Content-Security-Policy")
    else:
        d = _csp_directives(csp)
        if "'unsafe-inline'" in csp or "'unsafe-eval'" in csp:
            problems.append(f"CSP allows unsafe-inline/eval: {csp}")
        if any("*" in v for vals in d.values() for v in vals):
            problems.append(f"CSP has a wildcard: {csp}")
        for key, want in (("default-src", "'none'"), ("frame-ancestors", "'none'"), ("object-src", "'none'"),
                          ("base-uri", "'none'"), ("form-action", "'self'"), ("script-src", "'self'")):
            if want not in d.get(key, []):
                problems.append(f"CSP {key} is not {want}: {csp}")
    if (r.header("X-Frame-Options") or "").upper() != "DENY":
        problems.append(f"X-Frame-Options {r.header('X-Frame-Options')!r}")
    if (r.header("X-Content-Type-Options") or "").lower() != "nosniff":
        problems.append(f"X-Content-Type-Options {r.header('X-Content-Type-Options')!r}")
    if (r.header("Referrer-Policy") or "").lower() not in STRICT_REFERRER:
        problems.append(f"Referrer-Policy {r.header('Referrer-Policy')!r}")
    if "no-store" not in (r.header("Cache-Control") or "").lower():
        problems.append(f"Cache-Control {r.header('Cache-Control')!r}")
    if html and (r.header("Content-Type") or "").lower().replace(" ", "") != "text/html;charset=utf-8":
        problems.append(f"Content-Type {r.header('Content-Type')!r}")
    hsts = r.header_all("Strict-Transport-Security")
    if not r.https and hsts:
        problems.append("Strict-Transport-Security over plain http")
    if r.https and hsts != [HSTS_AT_ROOT]:
        problems.append(f"Strict-Transport-Security {hsts!r} over https, expected [{HSTS_AT_ROOT!r}]")
    server = r.header("Server")
    if server and re.search(r"\d", server):
        problems.append(f"Server header shows a version: {server!r}")
    if r.header("X-Powered-By") is not None:
        problems.append(f"X-Powered-By: {r.header('X-Powered-By')!r}")
    for k, _ in r.headers:
        if k.lower().startswith("access-control-allow"):
            problems.append(f"CORS header {k}")
    if problems:
        raise TestFailure(f"{what} ({r.status}): " + "; ".join(problems))


def test_headers_signed_out_pages(ctx):
    s = ctx.server
    c = s.client()
    for path in ("/", "/register", "/login", "/login?next=/profile"):
        r = c.get(path)
        check_status(r, 200, path)
        check_headers(r, f"GET {path}")
    for path in ("/logout", "/profile"):
        r = c.get(path)
        check_status(r, 303, path)
        check_headers(r, f"GET {path} (redirect)")
    r = c.request("HEAD", "/login")
    check_headers(r, "HEAD /login")


def test_headers_signed_in_pages(ctx):
    s = ctx.server
    c, _, _ = registered_user(s)
    for path in ("/", "/profile", "/logout", "/register", "/login"):
        r = c.get(path)
        check_status(r, 200, path)
        check_headers(r, f"GET {path} (logged in)")
    r = c.submit("/profile", {"name": "Header Test"})
    check_status(r, 303)
    check_headers(r, "POST /profile (303)")
    r = c.submit("/profile", {"name": ""})
    check_status(r, 422)
    check_headers(r, "POST /profile (422)")
    r = c.post("/profile", {"name": "x"})
    check_status(r, 403)
    check_headers(r, "POST /profile without a token (403)")
    fresh = s.client()
    email, password = register(fresh)
    r = fresh.submit("/login", {"email": email, "password": password})
    check_status(r, 303)
    check_headers(r, "POST /login (303 with Set-Cookie)")
    logout = c.submit("/logout", {})
    check_status(logout, 303)
    check_headers(logout, "POST /logout (303)")


def test_headers_error_pages(ctx):
    s = ctx.server
    c = s.client()
    answers = [
        c.request("PUT", "/login", body=b""),
        c.request("DELETE", "/register", body=b""),
        c.post("/", {"a": "b"}),
        c.get("/login?x=%ED%A0%80"),
        c.post("/login", "email=%FF"),
        c.post("/login", b'{"email": "a"}', content_type="application/json"),
        c.post("/register", {"name": "x"}),
        c.submit("/login", {"email": "nobody@nowhere.invalid", "password": ""}),
    ]
    for r in answers:
        check(400 <= r.status < 500, f"{r.method} {r.target} gives an error ({r.status})")
        check_headers(r, f"{r.method} {r.target}")
        check(re.search(r"<h1>", r.body), f"{r.method} {r.target}: an HTML page")


def test_headers_static_files(ctx):
    s = ctx.server
    c = s.client()
    for path, ctype in (("/css/site.css", "text/css"), ("/js/site.js", "text/javascript"), ("/images/favicon.svg", "image/svg+xml")):
        r = c.get(path)
        check_status(r, 200, path)
        check((r.header("Content-Type") or "").startswith(ctype), f"{path} Content-Type {r.header('Content-Type')!r}")
        check_eq((r.header("X-Content-Type-Options") or "").lower(), "nosniff", f"{path} nosniff")
        check(r.header("X-Powered-By") is None, f"{path} X-Powered-By")
        server = r.header("Server")
        check(not server or not re.search(r"\d", server), f"{path} Server header {server!r}")
        check_eq(r.header_all("Strict-Transport-Security"), [HSTS_AT_ROOT] if r.https else [],
                 f"{path} Strict-Transport-Security (over {'https' if r.https else 'http'})")


def test_headers_server_error_pages(ctx):
    """Answers lighttpd makes itself (unknown path, denied file, too large) carry the basic headers too."""
    s = ctx.server
    c = s.client()
    answers = [c.get("/loginfoo"), c.get("/.git/HEAD"), c.get("/nothing-here.html")]
    problems = []
    for r in answers:
        check(r.status in (403, 404), f"{r.target}: {r.status}")
        missing = [h for h in ("X-Content-Type-Options", "X-Frame-Options", "Content-Security-Policy") if r.header(h) is None]
        server = r.header("Server")
        if server and re.search(r"\d", server):
            missing.append(f"Server {server!r} shows a version")
        if r.header_all("Strict-Transport-Security") != ([HSTS_AT_ROOT] if r.https else []):
            missing.append(f"Strict-Transport-Security {r.header_all('Strict-Transport-Security')!r} "
                           f"over {'https' if r.https else 'http'}")
        if missing:
            problems.append(f"{r.target} ({r.status}) lacks {', '.join(missing)}")
    check(not problems, "; ".join(problems))
