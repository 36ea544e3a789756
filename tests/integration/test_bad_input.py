"""Bad input never gives a 5xx, never kills a process, never changes data."""

import os
import secrets

from harness import (check, check_eq, check_in, check_not_in, check_status, count_users, login, made_by_program,
                     new_email, new_password, raw_request, register, registered_user, user_row)

FORM = "application/x-www-form-urlencoded"


def _still_serving(s, what: str) -> None:
    for path in ("/", "/register", "/login"):
        r = s.client().get(path)
        check_status(r, 200, f"GET {path} after {what}")


def _readable_400(r, what: str) -> None:
    check_status(r, 400, what)
    check((r.header("Content-Type") or "").startswith("text/html"), f"{what}: an HTML page")
    check_in("could not be read", r.text(), f"{what}: a message a person can read")


def test_body_too_large(ctx):
    s = ctx.server
    c = s.client()
    token = c.get("/register").csrf_token()
    email = new_email("big")
    body = f"csrf_token={token}&email={email}&name=" + "a" * (65 * 1024)
    head = (f"POST /register HTTP/1.1\r\nHost: {s.host}:{s.port}\r\nContent-Type: {FORM}\r\n"
            f"Content-Length: {len(body)}\r\nCookie: {c.cookie_header()}\r\nConnection: close\r\n\r\n").encode()
    status, got = raw_request(s, head, send_after=body.encode(), timeout=10)
    check_eq(status, 413, f"POST of {len(body)} bytes")
    check_eq(count_users(s, email), 0, "accounts")
    # Declared huge, nothing sent: refused before reading. Apache first takes
    # the whole body it was promised (mod_fcgid and mod_cgid alike) and waits
    # for it like for any slow client: there the body is sent when it is
    # finite, and the program refuses it.
    for declared in ("70000", "2147483648", "18446744073709551616", "99999999999999999999"):
        head = (f"POST /login HTTP/1.1\r\nHost: {s.host}:{s.port}\r\nContent-Type: {FORM}\r\n"
                f"Content-Length: {declared}\r\nConnection: close\r\n\r\n").encode()
        after = None
        if s.waits_for_whole_body and int(declared) <= 1 << 20:
            after = b"a=" + b"x" * (int(declared) - 2)
        status, got = raw_request(s, head, send_after=after, timeout=5)
        check(status is not None and 400 <= status < 500, f"Content-Length {declared}: status {status} ({got[:80]!r})")
    _still_serving(s, "oversized bodies")


def test_body_limit_edge(ctx):
    s = ctx.server
    c, email, _ = registered_user(s, name="Edge")
    token = c.get("/profile").csrf_token()
    # Just under 64 KiB reaches the program (and is refused there for the long name, not for size).
    fields = f"csrf_token={token}&name=" + "b" * 1000 + "&pad=" + "c" * (60 * 1024)
    r = c.post("/profile", fields)
    check_status(r, 422, "a 62 KiB form with a too-long name")
    check_eq(user_row(s, email)["name"], "Edge", "name unchanged")


def test_content_length_mismatch(ctx):
    s = ctx.server
    c = s.client()
    token = c.get("/login").csrf_token()
    body = f"csrf_token={token}&email=a%40example.test&password=x"
    for extra, shut in ((50, False), (50, True), (5000, True)):
        head = (f"POST /login HTTP/1.1\r\nHost: {s.host}:{s.port}\r\nContent-Type: {FORM}\r\n"
                f"Content-Length: {len(body) + extra}\r\nCookie: {c.cookie_header()}\r\nConnection: close\r\n\r\n").encode()
        status, got = raw_request(s, head + body.encode(), timeout=2, shutdown_write=shut)
        # mod_fcgid answers a body cut short with its own 500; never a program.
        server_said = s.waits_for_whole_body and status is not None and status >= 500 and not made_by_program(got)
        check(status is None or 400 <= status < 500 or server_said,
              f"a body {extra} bytes short (half-close={shut}): status {status}")
    # Declared shorter than sent: the rest is not read as a second request that does harm.
    head = (f"POST /login HTTP/1.1\r\nHost: {s.host}:{s.port}\r\nContent-Type: {FORM}\r\n"
            f"Content-Length: 5\r\nCookie: {c.cookie_header()}\r\nConnection: close\r\n\r\n").encode()
    status, got = raw_request(s, head + body.encode(), timeout=3)
    check(status is None or status < 500, f"a body longer than declared: status {status}")
    for bad in ("-1", "12abc", "+5", " 5"):
        head = (f"POST /login HTTP/1.1\r\nHost: {s.host}:{s.port}\r\nContent-Type: {FORM}\r\n"
                f"Content-Length: {bad}\r\nConnection: close\r\n\r\nabcde").encode()
        status, got = raw_request(s, head, timeout=3)
        check(status is None or 400 <= status < 500, f"Content-Length {bad!r}: status {status}")
    _still_serving(s, "Content-Length mismatches")


def test_bad_encoding_400(ctx):
    s = ctx.server
    c = s.client()
    token = c.get("/register").csrf_token()
    password = new_password()
    for bad in ("%zz", "%", "%4", "%C0%AF", "%ED%A0%80", "%FF", "%E2%82", "%00", "a%00b"):
        email = new_email("enc")
        body = (f"csrf_token={token}&name=Test{bad}&email={email.replace('@', '%40')}"
                f"&password={password}&password_confirm={password}")
        r = c.post("/register", body)
        _readable_400(r, f"register with {bad} in the name")
        check_eq(count_users(s, email), 0, f"accounts after {bad}")
    for bad in (b"\xff", b"\xc0\xaf", b"\xed\xa0\x80", b"\x00"):
        email = new_email("raw")
        body = (f"csrf_token={token}&email={email.replace('@', '%40')}&password={password}"
                f"&password_confirm={password}&name=").encode() + b"Te" + bad + b"st"
        r = c.post("/register", body)
        _readable_400(r, f"register with the raw bytes {bad!r} in the name")
        check_eq(count_users(s, email), 0, f"accounts after {bad!r}")
    # In the query string lighttpd itself refuses some of these (its own 400
    # page); what it passes on, the program refuses.
    for path in ("/register?x=%FF", "/?a=%00", "/login?next=%ED%A0%80", "/login?next=%C0%AF", "/login?a=%E2%82"):
        r = c.get(path)
        check_status(r, 400, f"GET {path}")
        if r.header("Content-Security-Policy"):
            _readable_400(r, f"GET {path}")
    # lighttpd re-encodes a malformed escape in the query (%zz -> %25zz), so
    # the program sees the literal text: a normal page or a 400, never 5xx.
    for path in ("/login?next=%zz", "/login?x=%", "/login?next=%4"):
        r = c.get(path)
        check(r.status in (200, 400), f"GET {path}: {r.status}")
    _still_serving(s, "broken encodings")


def test_duplicate_and_odd_fields(ctx):
    s = ctx.server
    c = s.client()
    token = c.get("/register").csrf_token()
    a, b = new_email("dup"), new_email("dup")
    password = new_password()
    body = (f"csrf_token={token}&name=Dup&email={a}&email={b}&password={password}&password_confirm={password}")
    _readable_400(c.post("/register", body), "register with email twice")
    _readable_400(c.post("/register", f"csrf_token={token}&csrf_token={token}&name=x"), "csrf_token twice")
    _readable_400(c.get("/login?next=/a&next=/b"), "next twice in the query")
    _readable_400(c.post("/register", f"csrf_token={token}&=x"), "a field without a name")
    many = "&".join(f"f{i}=1" for i in range(150))
    _readable_400(c.post("/register", f"csrf_token={token}&{many}"), "150 fields")
    check_eq(count_users(s, a) + count_users(s, b), 0, "accounts")
    # The CSRF token must come from the body, not the query string.
    r = c.post(f"/register?csrf_token={token}", {"name": "Q", "email": a, "password": password,
                                                  "password_confirm": password})
    check_status(r, 403, "csrf_token only in the query string")
    check_eq(count_users(s, a), 0, "accounts")
    r = c.post("/register", "&&&")
    check(400 <= r.status < 500, f"a body of '&&&': {r.status}")


def test_wrong_content_type_415(ctx):
    s = ctx.server
    c = s.client()
    token = c.get("/login").csrf_token()
    for ctype, body in (("application/json", '{"email": "a@example.test"}'), ("text/plain", f"csrf_token={token}&email=x"),
                        ("application/xml", "<a/>")):
        r = c.post("/login", body, content_type=ctype)
        check_status(r, 415, f"POST with Content-Type {ctype}")
        check_in("form", r.text(), "a message")
    r = c.post("/register", f"--X\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nx\r\n--X--\r\n",
               content_type="multipart/form-data")
    check(400 <= r.status < 500, f"multipart without a boundary: {r.status}")
    _still_serving(s, "wrong content types")


def test_methods_405(ctx):
    s = ctx.server
    c, _, _ = registered_user(s)
    for path in ("/", "/register", "/login", "/logout", "/profile", "/profile/password"):
        for method in ("PUT", "DELETE", "PATCH"):
            r = c.request(method, path, body=b"")
            check_status(r, 405, f"{method} {path}")
            allow = r.header("Allow")
            check(allow, f"{method} {path}: an Allow header")
            check(method not in allow, f"{method} {path}: Allow {allow!r}")
    check_status(s.client().post("/", {"x": "1"}), 405, "POST /")
    r = s.client().request("OPTIONS", "/login")
    check(r.status < 500, f"OPTIONS /login: {r.status}")
    check(r.header("Access-Control-Allow-Origin") is None, "no CORS")
    status, got = raw_request(s, f"FOO /login HTTP/1.1\r\nHost: {s.host}\r\nConnection: close\r\n\r\n".encode())
    check(status is not None and 400 <= status < 600 and status != 500, f"method FOO: {status}")
    status, got = raw_request(s, f"TRACE /login HTTP/1.1\r\nHost: {s.host}\r\nConnection: close\r\n\r\n".encode())
    check(status is not None and status != 200 and status != 500, f"TRACE: {status}")


def test_bad_cookies(ctx):
    s = ctx.server
    c, email, _ = registered_user(s)
    sid = c.sid
    cases = {
        "junk": "=;;; ;=x; \"\";a==b=c",
        "random sid": "sid=" + secrets.token_urlsafe(32)[:43],
        "short sid": "sid=abc",
        "sid sent twice": f"sid={sid}; sid={sid}",
        "sid twice, other first": f"sid={secrets.token_urlsafe(32)[:43]}; sid={sid}",
        "quoted junk": 'sid="' + "%" * 50 + '"',
        "long value": "sid=" + "A" * 4000,
        "sid in the query instead": "",
    }
    probe = s.client()
    for what, cookie in cases.items():
        path = f"/profile?sid={sid}" if what == "sid in the query instead" else "/profile"
        r = probe.request("GET", path, headers={"Cookie": cookie} if cookie else None, cookies=False)
        check_status(r, 303, f"GET /profile with {what}")
        check(r.location.startswith(s.url("/login?next=")), f"{what}: to login ({r.location})")
        check_not_in(email, r.body, what)
    r = probe.request("GET", "/profile", headers={"Cookie": "a=" + "x" * 9000}, cookies=False)
    check(400 <= r.status < 500, f"a 9000-byte Cookie header: {r.status}")
    status, got = raw_request(s, f"GET /profile HTTP/1.1\r\nHost: {s.host}\r\nCookie: sid=\x01\x7f\xff;\x00\r\n"
                                 f"Connection: close\r\n\r\n".encode("latin-1"))
    check(status is None or status < 500, f"control bytes in the Cookie header: {status}")
    check_status(c.get("/profile"), 200, "the real session still works")


def test_crlf_in_email(ctx):
    s = ctx.server
    password = new_password()
    for bad in ("a@x.test\r\nBcc: v@y.test", "a@x.test\nX: y", "a\r\n@x.test", "a@x.test>\r\nRCPT TO:<v@y.test",
                "a@x.test%0d%0aBcc: v@y.test"):
        r = s.client().submit("/register", {"name": "Crlf", "email": bad, "password": password, "password_confirm": password})
        check(400 <= r.status < 500, f"register with {bad!r}: {r.status}")
        check(not any(k.lower() in ("bcc", "x") for k, _ in r.headers), f"no header injected for {bad!r}")
        r = s.client().submit("/login", {"email": bad, "password": password})
        check(400 <= r.status < 500, f"login with {bad!r}: {r.status}")
    check_eq(s.query("SELECT count(*) AS n FROM users WHERE email LIKE '%y.test%' OR email LIKE 'a@x.test%'")[0]["n"], 0,
             "accounts with injected addresses")


def test_script_name_escaped(ctx):
    s = ctx.server
    name = "<script>alert(1)</script> \"><svg onload=alert(2)> ' autofocus onfocus=alert(3) {{BI_NEWLINE}}"
    c, email, _ = registered_user(s, name=name)
    check_eq(user_row(s, email)["name"], name, "the name is stored as typed")
    for path in ("/profile", "/"):
        r = c.get(path)
        check_status(r, 200, path)
        check_not_in("<script>alert(1)", r.body, f"{path} body")
        check_not_in("<svg onload", r.body, f"{path} body")
        check_not_in('"><svg', r.body, f"{path} body")
        check_in("&lt;script&gt;alert(1)&lt;/script&gt;", r.body, f"{path} shows the name escaped")
        check_in("{{BI_NEWLINE}}", r.body, f"{path} shows template syntax literally")
    check_eq(c.get("/profile").input_value("name"), name, "the name field round-trips")
    r = c.submit("/profile", {"name": "<img src=x onerror=alert(1)>"})
    check_status(r, 303)
    check_not_in("<img src=x", c.get("/profile").body, "profile after an update")
    r = c.get("/login?next=/%22%3E%3Cscript%3Ealert(1)%3C/script%3E")
    check_not_in("<script>alert(1)", r.body, "login page with a hostile next")


def test_sql_injection_strings(ctx):
    s = ctx.server
    payloads = ["' OR '1'='1", "'; DROP TABLE users;--", "x' UNION SELECT password_hash FROM users--",
                "Robert'); DELETE FROM sessions; --", "/* */ OR 1=1"]
    users_before = s.query("SELECT count(*) AS n FROM users")[0]["n"]
    for p in payloads:
        r = s.client().submit("/login", {"email": p, "password": p})
        check_status(r, 422, f"login with email {p!r}")
        r = s.client().submit("/login", {"email": new_email(), "password": p + " but long"})
        check_status(r, 401, f"login with password {p!r}")
    c = s.client()
    email = f"o'hara+'or'1'='1.{secrets.token_hex(3)}@example.test"
    password = "x' OR '1'='1 -- plus"
    register(c, email, password, name="'; DROP TABLE users;--")
    login(c, email, password)
    check_eq(user_row(s, email)["name"], "'; DROP TABLE users;--", "stored name")
    r = c.submit("/profile", {"name": "x', name = 'pwned"})
    check_status(r, 303, "profile update with a quote")
    check_eq(user_row(s, email)["name"], "x', name = 'pwned", "stored name")
    check_eq(s.query("SELECT count(*) AS n FROM users WHERE name = 'pwned'")[0]["n"], 0, "no other row touched")
    check(s.query("SELECT count(*) AS n FROM users")[0]["n"] >= users_before + 1, "users table intact")
    check_eq(s.query("PRAGMA integrity_check")[0][0], "ok", "integrity_check")


def test_unknown_paths_404(ctx):
    s = ctx.server
    c = s.client()
    for path in ("/loginfoo", "/login/", "/login/x", "/registerx", "/profile/passwordx", "/profile/", "/logout2",
                 "/Login", "/index.php", "/cgi-bin/", "/auth-login"):
        r = c.get(path)
        check(r.status in (403, 404), f"GET {path}: {r.status}")
        check_not_in('name="password"', r.body, f"GET {path} is not a form page")


def test_files_not_downloadable(ctx):
    s = ctx.server
    c = s.client()
    env_name = os.path.basename(s.env_path)
    db_name = os.path.basename(s.db_path)
    paths = ["/../templates/layout.tpl", "/templates/layout.tpl", "/%2e%2e/templates/layout.tpl", "/layout.tpl",
             "/css/../../templates/layout.tpl", "/..%2ftemplates/layout.tpl", "/data/common-passwords.txt",
             "/../data/common-passwords.txt", "/.env", "/.env.sample", f"/{env_name}", f"/../{env_name}",
             f"/{db_name}", f"/{db_name}-wal", "/sessionauth.sqlite", "/.git/HEAD", "/.git/config", "/../.git/HEAD",
             "/.htaccess", "/.svn/entries", "/.DS_Store", "/lighttpd.conf", "/../etc/lighttpd/sessionauth.conf.in",
             "/css/", "/js/", "/images/", "/../src/core/config.cc", "/auth-login", "/../build/auth-login",
             "/Makefile.am", "/dev"]
    for path in paths:
        r = c.get(path)
        check(400 <= r.status < 500, f"GET {path}: {r.status}")
        for secret in ("{{%AUTOESCAPE", "SECRET_KEY", "SQLite format", "ref: refs/", "winniethepooh", "#include"):
            check_not_in(secret, r.body, f"GET {path}")
    for raw in (b"GET /../templates/layout.tpl HTTP/1.0\r\n\r\n", b"GET ../templates/layout.tpl HTTP/1.0\r\n\r\n",
                b"GET /css/..%2f..%2ftemplates/layout.tpl HTTP/1.0\r\n\r\n"):
        status, got = raw_request(s, raw)
        check(status is None or 400 <= status < 500, f"{raw[:40]!r}: {status}")
        check_not_in(b"{{%AUTOESCAPE", got, f"{raw[:40]!r}")


def test_chunked_bodies(ctx):
    s = ctx.server
    c = s.client()
    token = c.get("/login").csrf_token()
    email = new_email("chunk")
    body = f"csrf_token={token}&email={email.replace('@', '%40')}&password=not+the+one+at+all".encode()
    chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
    head = (f"POST /login HTTP/1.1\r\nHost: {s.host}:{s.port}\r\nContent-Type: {FORM}\r\nTransfer-Encoding: chunked\r\n"
            f"Cookie: {c.cookie_header()}\r\nConnection: close\r\n\r\n").encode()
    status, got = raw_request(s, head + chunked, timeout=10)
    check(status in (401, 411), f"a chunked login form: {status}")
    big = b"a=" + b"x" * (70 * 1024)
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(big[i:i + 8192]), big[i:i + 8192]) for i in range(0, len(big), 8192))
    status, got = raw_request(s, head, send_after=chunks + b"0\r\n\r\n", timeout=10)
    check(status in (411, 413), f"a chunked body of 70 KiB: {status}")
    _still_serving(s, "chunked bodies")


def test_multipart_forms(ctx):
    s = ctx.server
    c = s.client()
    token = c.get("/register").csrf_token()
    email, password = new_email("multi"), new_password()

    def multipart(fields, boundary="XyZzY"):
        parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n' for k, v in fields]
        return "".join(parts) + f"--{boundary}--\r\n"

    fields = [("csrf_token", token), ("name", "Multi Part"), ("email", email), ("password", password),
              ("password_confirm", password)]
    r = c.post("/register", multipart(fields + [("email", email)]), content_type="multipart/form-data; boundary=XyZzY")
    check_status(r, 400, "multipart with a field twice")
    r = c.post("/register", "--XyZzY\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nunterminated",
               content_type="multipart/form-data; boundary=XyZzY")
    check(400 <= r.status < 500, f"an unterminated multipart body: {r.status}")
    r = c.post("/register", multipart(fields), content_type="multipart/form-data; boundary=Other")
    check(400 <= r.status < 500, f"multipart with the wrong boundary: {r.status}")
    check_eq(count_users(s, email), 0, "accounts after broken multipart bodies")
    r = c.post("/register", multipart(fields), content_type='multipart/form-data; boundary="XyZzY"')
    check_status(r, 303, "a well-formed multipart registration")
    check_eq(count_users(s, email), 1, "accounts")


def test_long_header_lines(ctx):
    s = ctx.server
    for name, value in (("User-Agent", "u" * 9000), ("X-Long", "v" * 70000), ("Referer", "%n%s%x%p" * 100)):
        r = s.client().request("GET", "/login", headers={name: value})
        check(r.status < 500, f"a {len(value)}-byte {name}: {r.status}")
    _still_serving(s, "long header lines")
