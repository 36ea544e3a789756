"""HTTPS as shipped: for an https BASE_URL the shipped configuration (the
lighttpd one, or the .htaccess staged by stage-site.sh) sends every plain http
request to the same path over https, 301 for GET and HEAD and 308 for the
other methods, and HSTS is on everything over https, the web server's own
answers included. For an http BASE_URL, none of that: the site answers over
http and sends no HSTS.

The https checks run in the suite's https run (run.py --https)."""

import os
import subprocess
import tempfile

from harness import check, check_eq, check_status, register, skip

# The test servers' site is at the root of its host: includeSubDomains.
HSTS_AT_ROOT = "max-age=63072000; includeSubDomains"


def _https_only(ctx):
    if not ctx.server.https:
        skip("the site is served over http in this run (run.py --https runs it over https)")
    return ctx.server


def test_https_http_base_url_serves_http_without_hsts(ctx):
    s = ctx.server
    if s.https:
        skip("the site is served over https in this run")
    c = s.client()
    for path in ("/login", "/css/site.css"):
        r = c.get(path)
        check_status(r, 200, f"GET {path} over http with an http BASE_URL")
        check_eq(r.header_all("Strict-Transport-Security"), [], f"HSTS over http on {path}")


def test_https_plain_http_get_is_301_to_base_url(ctx):
    s = _https_only(ctx)
    c = s.client()
    for path in ("/", "/login?next=%2Fprofile&x=1", "/css/site.css", "/reset/confirm?token=abc", "/nothing-here"):
        for method in ("GET", "HEAD"):
            r = c.request(method, path, plain=True)
            check_status(r, 301, f"{method} {path} over plain http")
            check_eq(r.location, s.base_url + path, f"Location of {method} {path}")
            check_eq(r.header_all("Strict-Transport-Security"), [], f"HSTS over plain http ({method} {path})")
            check(not r.set_cookies, f"no cookie over plain http: {r.header_all('Set-Cookie')}")


def test_https_plain_http_post_is_308(ctx):
    """308 keeps the method and the body: a form posted to http:// is not
    silently turned into a GET by the browser."""
    s = _https_only(ctx)
    c = s.client()
    for path in ("/login", "/profile?x=1", "/register"):
        r = c.post(path, {"email": "a@example.test", "password": "x"}, plain=True)
        check_status(r, 308, f"POST {path} over plain http")
        check_eq(r.location, s.base_url + path, f"Location of POST {path}")
    r = c.request("PUT", "/login", body=b"", plain=True)
    check_status(r, 308, "PUT /login over plain http")


def test_https_redirect_ignores_the_host_header(ctx):
    s = _https_only(ctx)
    r = s.client().request("GET", "/login", headers={"Host": "evil.example"}, plain=True)
    check_status(r, 301, "GET /login with a foreign Host over plain http")
    check_eq(r.location, s.base_url + "/login", "the redirect goes to BASE_URL, not to the Host header")


def test_https_hsts_on_pages_and_static_files(ctx):
    s = _https_only(ctx)
    c = s.client()
    answers = [(c.get("/login"), 200), (c.get("/"), 200), (c.get("/profile"), 303),
               (c.get("/css/site.css"), 200), (c.get("/images/favicon.svg"), 200),
               (c.get("/nothing-here.html"), 404), (c.get("/.htaccess"), (403, 404))]
    if s.kind != "lighttpd":
        # Apache's own 413 (the .htaccess, from the Content-Length) too.
        # lighttpd adds no header at all to its early 413 (README), so not there.
        big = c.request("POST", "/profile", body=b"x" * (3 * 1024 * 1024),
                        headers={"Content-Type": "application/x-www-form-urlencoded"})
        answers.append((big, 413))
    for r, status in answers:
        check_status(r, status, f"{r.method} {r.target} over https")
        check_eq(r.header_all("Strict-Transport-Security"), [HSTS_AT_ROOT], f"HSTS on {r.method} {r.target} ({r.status})")


def test_https_cookies_are_host_prefixed_and_secure(ctx):
    s = _https_only(ctx)
    c = s.client()
    email, password = register(c)
    page = c.get("/login")
    r = c.post("/login", {"csrf_token": page.csrf_token(), "email": email, "password": password})
    check_status(r, 303, "logging in over https")
    check(r.set_cookies, "cookies set at login")
    for cookie in r.set_cookies:
        check(cookie.full_name.startswith("__Host-"), f"cookie {cookie.full_name!r} without the __Host- prefix")
        check("secure" in cookie.attrs, f"cookie {cookie.full_name!r} without Secure")
    check(c.get("/profile").status == 200, "the session works over https")


def _staged_htaccess(ctx, base_url: str) -> str:
    """The .htaccess stage-site.sh writes for this BASE_URL."""
    with tempfile.TemporaryDirectory(prefix="sessionauth-stage-") as d:
        env = os.path.join(d, "site.env")
        with open(env, "w") as f:
            f.write(f"SECRET_KEY={'ab' * 32}\nBASE_URL={base_url}\n")
        r = subprocess.run([os.path.join(ctx.args.root, "etc", "apache", "stage-site.sh"), "--programs", ctx.args.build,
                            "--share", ctx.args.root, os.path.join(d, "site"), env],
                           capture_output=True, text=True, timeout=60)
        check(r.returncode == 0, f"stage-site.sh for {base_url}: {r.stderr.strip()}")
        with open(os.path.join(d, "site", "htdocs", ".htaccess")) as f:
            return f.read()


def _active(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def test_https_staged_htaccess_root_and_sub_folder(ctx):
    """What stage-site.sh makes of the .htaccess's https lines: on for an
    https BASE_URL, pointing at its origin; includeSubDomains only at the root
    of the host; nothing of it for http. (The file is the same whatever the
    server: checked once, in the Apache runs.)"""
    if ctx.server.kind != "apache":
        skip("checked in the Apache runs (stage-site.sh output, no server involved)")
    root = _active(_staged_htaccess(ctx, "https://Example.COM"))
    sub = _active(_staged_htaccess(ctx, "https://example.com:8443/account/"))
    plain = _active(_staged_htaccess(ctx, "http://example.com/account"))
    for lines, origin in ((root, "https://example.com"), (sub, "https://example.com:8443")):
        redirects = [line for line in lines if line.startswith("RewriteRule ^ https://")]
        check_eq(redirects, [f"RewriteRule ^ {origin}%{{REQUEST_URI}} [R=301,L]",
                             f"RewriteRule ^ {origin}%{{REQUEST_URI}} [R=308,L]"], f"the redirects to {origin}")
    hsts = {name: [line for line in lines if "Strict-Transport-Security" in line]
            for name, lines in (("root", root), ("sub-folder", sub), ("http", plain))}
    check(len(hsts["root"]) == 1 and '"max-age=63072000; includeSubDomains"' in hsts["root"][0],
          f"HSTS with includeSubDomains at the root: {hsts['root']}")
    check(len(hsts["sub-folder"]) == 1 and '"max-age=63072000"' in hsts["sub-folder"][0]
          and "includeSubDomains" not in hsts["sub-folder"][0], f"HSTS without includeSubDomains in a sub-folder: {hsts['sub-folder']}")
    check_eq(hsts["http"], [], "no HSTS for an http BASE_URL")
    check(not any("https://" in line or "%{HTTPS}" in line for line in plain),
          f"no redirect to https for an http BASE_URL: {[line for line in plain if 'https' in line.lower()]}")
