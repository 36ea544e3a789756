"""The complete profile over HTTP: the picture (upload through the real web
server, what is served and to whom, size limits), the email change confirmed
by mail, the list of one's own sessions with ending one or all others, and
the notice mails (password changed, password reset, email change).

Tests without mail use the shared main server. Tests that read mail use a
server of their own ("profile") whose mail goes to a maildev of their own
(tests/integration/mailcatcher.py). The site sends mail after its responses,
so waiting for a mail means sending cheap requests meanwhile.

Wrong passwords are typed from loopback addresses of their own (127.0.7.x),
so that the login throttle of 127.0.0.1, which the other tests share, is not
touched.
"""

import os
import re
import secrets

from harness import (new_source, check, check_eq, check_in, check_not_in, check_status, login, new_email, new_password,
                     parse_raw, raw_request, register, registered_user, session_count, user_row)
from mailcatcher import MailDev

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
          "Version/18.1 Mobile/15E148 Safari/604.1")
MIB = 1024 * 1024
PICTURE_CSP = "default-src 'none'; frame-ancestors 'none'; sandbox"
NAME_RE = re.compile(r"^[A-Za-z0-9_-]{43}\.(png|jpg|webp)$")
LINK_RE = re.compile(r"(https?://[^\s\"'<>]+?/profile/email/confirm\?token=([A-Za-z0-9_-]*))")

# --------------------------------------------------------------------------
# Pictures


def _fixture(ctx, name: str) -> bytes:
    with open(os.path.join(ctx.args.root, "tests", "data", "pictures", name), "rb") as f:
        return f.read()


def _multipart(fields: dict, files: dict) -> tuple[bytes, str]:
    """A multipart/form-data body as a browser sends it; files: name -> (filename, type, bytes)."""
    boundary = "----sessionauthForm" + secrets.token_hex(8)
    out = b""
    for name, value in fields.items():
        out += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n").encode() + value.encode() + b"\r\n"
    for name, (filename, ctype, data) in files.items():
        out += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\n"
                f"Content-Type: {ctype}\r\n\r\n").encode() + data + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return out, f"multipart/form-data; boundary={boundary}"


def _profile_form(c, name="Ada Lovelace", picture: bytes | None = None, filename="me.png", ctype="image/png",
                  extra: dict | None = None):
    """GET /profile, then POST its form the way a browser does (multipart,
    an empty file part when no file is chosen)."""
    page = c.get("/profile")
    check_status(page, 200, "GET /profile before posting its form")
    check_in('enctype="multipart/form-data"', page.body, "the profile form sends files")
    fields = {"csrf_token": page.csrf_token(), "name": name}
    fields.update(extra or {})
    body, ctype_header = _multipart(fields, {"picture": ("" if picture is None else filename,
                                                         "application/octet-stream" if picture is None else ctype,
                                                         picture or b"")})
    return c.post("/profile", body, content_type=ctype_header)


def _picture_dir(s) -> str:
    return os.path.join(os.path.dirname(s.db_path), "pictures")


def _stored(s) -> set[str]:
    d = _picture_dir(s)
    return set(os.listdir(d)) if os.path.isdir(d) else set()


def _picture_of(s, email) -> str | None:
    return user_row(s, email)["picture"]


def test_picture_upload_through_the_web_server(ctx):
    s = ctx.server
    c, email, _ = registered_user(s)
    png = _fixture(ctx, "picture.png")
    r = _profile_form(c, picture=png, filename="../../htdocs/evil.php")
    check_status(r, 303, "uploading a PNG")
    check_eq(r.location, s.url("/profile"), "after the upload")
    name = _picture_of(s, email)
    check(name and NAME_RE.match(name) and name.endswith(".png"), f"stored under a random name: {name!r}")
    check_in(name, _stored(s), "the file in PICTURE_DIR (beside the database)")
    with open(os.path.join(_picture_dir(s), name), "rb") as f:
        check(f.read() == png, "the stored file is the uploaded bytes")
    check(not os.path.exists(os.path.join(ctx.args.root, "htdocs", "evil.php")), "the browser's file name is never used")

    page = c.get("/profile")
    src = f"/profile/picture/{name}"
    check_in(f'<img class="picture" src="{src}"', page.body, "the profile shows the picture")
    check_in(f'<img class="avatar" src="{src}"', page.body, "the navigation shows it")
    check_in(f'<img class="avatar" src="{src}"', c.get("/").body, "the navigation of the home page too")

    got = c.get(src)
    check_status(got, 200, "GET the picture")
    check(got.raw_body == png, "the picture's bytes")
    check_eq(got.header("Content-Type"), "image/png", "Content-Type")
    check_eq(got.header("X-Content-Type-Options"), "nosniff", "X-Content-Type-Options")
    check_eq(got.header("Content-Security-Policy"), PICTURE_CSP, "CSP of the picture")
    check_eq(got.header("Cache-Control"), "private, no-store", "Cache-Control of the picture")
    check_eq(got.header("Content-Disposition"), 'inline; filename="picture.png"', "Content-Disposition")
    check_eq(got.header("Cross-Origin-Resource-Policy"), "same-origin", "CORP")
    head = c.request("HEAD", src)
    check_status(head, 200, "HEAD the picture")
    check_eq(head.raw_body, b"", "HEAD body")


def test_picture_only_for_its_owner(ctx):
    s = ctx.server
    c, email, _ = registered_user(s)
    check_status(_profile_form(c, picture=_fixture(ctx, "picture.jpg"), filename="me.jpg", ctype="image/jpeg"), 303,
                 "uploading a JPEG")
    src = f"/profile/picture/{_picture_of(s, email)}"
    other, _, _ = registered_user(s, name="Mallory")
    for who, client in (("another account", other), ("a visitor", s.client())):
        r = client.get(src)
        check_status(r, 404, f"the picture for {who}")
        check(not r.raw_body.startswith(b"\xff\xd8"), f"no picture bytes for {who}")
    check_status(c.get(src), 200, "the owner still gets it")


def test_picture_replace_and_remove_delete_files(ctx):
    s = ctx.server
    c, email, _ = registered_user(s)
    _profile_form(c, picture=_fixture(ctx, "picture.png"))
    first = _picture_of(s, email)
    # The browser's name and type say PNG; the bytes are WebP: WebP it is.
    r = _profile_form(c, picture=_fixture(ctx, "picture.webp"), filename="not-really.png", ctype="image/png")
    check_status(r, 303, "replacing with a WebP")
    second = _picture_of(s, email)
    check(second != first and second.endswith(".webp"), f"a new name with the sniffed type: {second!r}")
    check_not_in(first, _stored(s), "the replaced file is deleted")
    check_status(c.get(f"/profile/picture/{first}"), 404, "the replaced picture")
    got = c.get(f"/profile/picture/{second}")
    check_eq(got.header("Content-Type"), "image/webp", "served as what its bytes are")

    r = _profile_form(c, name="Ada King")  # no file chosen: the picture stays
    check_status(r, 303, "saving without choosing a file")
    check_eq(_picture_of(s, email), second, "the picture after saving only the name")
    check_eq(user_row(s, email)["name"], "Ada King", "the name")

    r = _profile_form(c, extra={"remove_picture": "1"})
    check_status(r, 303, "removing the picture")
    check_eq(_picture_of(s, email), None, "no picture in the database")
    check_not_in(second, _stored(s), "the removed file is deleted")
    check_status(c.get(f"/profile/picture/{second}"), 404, "the removed picture")
    check_in("Your picture has been removed.", c.follow(r).text(), "the message after removing")


def test_picture_refused_by_its_bytes(ctx):
    s = ctx.server
    c, email, _ = registered_user(s)
    before = _stored(s)
    html = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'
    jpg = _fixture(ctx, "picture.jpg")
    for what, data, filename, status, message in (
            ("HTML named .png", html, "avatar.png", 422, "not a PNG, JPEG or WebP picture"),
            ("SVG", svg, "avatar.svg", 422, "not a PNG, JPEG or WebP picture"),
            ("half a JPEG", jpg[:len(jpg) // 2], "half.jpg", 422, "That picture is incomplete"),
            ("an empty file", b"", "empty.png", 422, "The file you chose is empty.")):
        r = _profile_form(c, name="Changed", picture=data, filename=filename)
        check_status(r, status, what)
        check_in(message, r.text(), f"{what}: message")
        check(re.search(r'id="picture"[^>]*aria-describedby="picture-hint picture-error"', r.body),
              f"{what}: the error is tied to the file field")
        check_not_in("<script>alert", r.body, f"{what}: nothing of the file in the page")
    check_eq(_picture_of(s, email), None, "no picture stored")
    check_eq(user_row(s, email)["name"], "Ada Lovelace", "the name is not saved with a refused picture")
    check_eq(_stored(s) - before, set(), "no file written")


def test_picture_size_limits(ctx):
    s = ctx.server
    c, email, _ = registered_user(s)
    # Exactly 2 MiB (a real PNG padded after its end): accepted.
    exact = _fixture(ctx, "picture.png")
    exact += b"\0" * (2 * MIB - len(exact))
    r = _profile_form(c, picture=exact)
    check_status(r, 303, "a picture of exactly 2 MiB")
    got = c.get(f"/profile/picture/{_picture_of(s, email)}")
    check_eq(len(got.raw_body), 2 * MIB, "the 2 MiB picture comes back whole")
    # A little more than 2 MiB: the program refuses it with the form.
    r = _profile_form(c, picture=exact + b"\0" * 4096)
    check_status(r, 413, "a picture of 2 MiB + 4 KiB")
    check_in("The picture is larger than 2 MiB.", r.text(), "the message")
    # A 3 MiB body: 413 from the web server or the program, never read in full.
    page = c.get("/profile")
    body, ctype = _multipart({"csrf_token": page.csrf_token(), "name": "Big"},
                             {"picture": ("big.png", "image/png", exact + b"\0" * MIB)})
    head = (f"POST /profile HTTP/1.1\r\nHost: {s.host}:{s.port}\r\nCookie: {c.cookie_header()}\r\n"
            f"Content-Type: {ctype}\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode()
    status, _ = raw_request(s, head + body, timeout=15)
    check_eq(status, 413, "a 3 MiB body to POST /profile")
    check_eq(user_row(s, email)["name"], "Ada Lovelace", "nothing saved from the refused bodies")
    # Every other route keeps the 64 KiB limit.
    for path in ("/profile/password", "/profile/email", "/profile/sessions/revoke", "/login"):
        r = c.post(path, "x=" + "a" * (100 * 1024))
        check_status(r, 413, f"100 KiB to {path}")


def test_picture_far_too_large_gets_the_site_page(ctx):
    # A 10 MiB phone photo sent with JavaScript off: far over what mod_fcgid
    # takes (FcgidMaxRequestLen, 4 MiB in etc/apache/instance.conf.in; it
    # answers 500 above that). The web server refuses it from its
    # Content-Length, with 413 and the site's page errors/413.html: lighttpd
    # through server.errorfile-prefix, Apache (mod_fcgid or plain CGI)
    # through the .htaccess (mod_rewrite, ErrorDocument).
    s = ctx.server
    c, email, _ = registered_user(s)
    photo = _fixture(ctx, "picture.jpg")
    photo += b"\0" * (10 * MIB - len(photo))
    page = c.get("/profile")
    body, ctype = _multipart({"csrf_token": page.csrf_token(), "name": "Too Big"},
                             {"picture": ("IMG_0001.jpg", "image/jpeg", photo)})
    head = (f"POST /profile HTTP/1.1\r\nHost: {s.host}:{s.port}\r\nCookie: {c.cookie_header()}\r\n"
            f"Content-Type: {ctype}\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode()
    status, got = raw_request(s, head + body, timeout=30)
    check(status == 413, f"a 10 MiB picture to POST /profile: status {status}, expected 413 ({got[:80]!r})")
    r = parse_raw(got)
    check_in("<h1>The form is too large</h1>", r.body, "the site's own 413 page")
    check_in("text/html", r.header("Content-Type") or "", "Content-Type of the 413 page")
    # lighttpd adds no headers to its early answers: the page carries its CSP
    # in a <meta>. Apache adds the site's headers to what it answers itself.
    check_in('http-equiv="Content-Security-Policy"', r.body, "the page's own CSP")
    if s.kind != "lighttpd":
        check_eq(r.header("X-Content-Type-Options"), "nosniff", "X-Content-Type-Options of the 413 page")
        check_eq(r.header("X-Frame-Options"), "DENY", "X-Frame-Options of the 413 page")
        check_in("frame-ancestors 'none'", r.header("Content-Security-Policy") or "", "CSP of the 413 page")
    css = re.search(r'<link rel="stylesheet" href="([^"]+)"', r.body)
    check(css is not None, "the 413 page links its stylesheet")
    check_status(c.get(css.group(1)), 200, f"GET {css.group(1)}, the 413 page's stylesheet")
    check_eq(user_row(s, email)["name"], "Ada Lovelace", "nothing saved from the refused body")
    check_eq(_picture_of(s, email), None, "no picture stored")
    check_status(c.get("/profile"), 200, "the profile after the refused body (still logged in)")


def test_picture_routes(ctx):
    s = ctx.server
    c, email, _ = registered_user(s)
    _profile_form(c, picture=_fixture(ctx, "picture.png"))
    name = _picture_of(s, email)
    token = name[:43]
    for path in (f"/profile/picture/{token}.svg", f"/profile/picture/{token}.html", f"/profile/picture/{token}",
                 f"/profile/picture/{token}x.png", "/profile/picture/", f"/profile/picture/{name}/x",
                 f"/profile/pictures/{name}", f"/profile/picture/..%2F..%2F{os.path.basename(s.db_path)}",
                 "/profile/x", "/profile/emailx", "/profile/sessions/"):
        r = c.get(path)
        check(r.status in (403, 404), f"GET {path}: {r.status}")
        check(not r.raw_body.startswith(b"\x89PNG"), f"GET {path} serves no picture")
    r = c.post(f"/profile/picture/{name}", {"csrf_token": c.get("/profile").csrf_token()})
    check_status(r, 405, "POST to a picture")
    check_eq(r.header("Allow"), "GET, HEAD", "Allow of a picture")


# --------------------------------------------------------------------------
# Sessions


def _browser(s, email, password, ua, source=None):
    c = s.client()
    c.extra_headers["User-Agent"] = ua
    c.source_address = source or new_source()
    login(c, email, password)
    return c


def _row_ids(page) -> list[str]:
    return re.findall(r'name="session" value="([^"]*)"', page.body)


def _row_of(page, browser: str, address: str) -> str:
    for row in re.findall(r"<tr[^>]*>.*?</tr>", page.body, re.S):
        if f">{browser}</th>" in row and f"<td>{address}</td>" in row:
            m = re.search(r'name="session" value="([^"]*)"', row)
            check(m, f"the row of {browser} at {address} has a button")
            return m.group(1)
    raise AssertionError(f"no row for {browser} at {address} in {page.text()[:600]!r}")


def _end(c, path, fields):
    page = c.get("/profile/sessions")
    check_status(page, 200, "GET /profile/sessions")
    token = re.search(r'name="csrf_token" value="([^"]*)"', page.body) or re.search(
        r'name="csrf_token" value="([^"]*)"', c.get("/profile").body)
    return c.post(path, {"csrf_token": token.group(1), **fields})


def test_sessions_list(ctx):
    s = ctx.server
    a, email, password = registered_user(s)
    laptop = _browser(s, email, password, FIREFOX, ("127.0.6.10", 0))
    phone = _browser(s, email, password, IPHONE, ("127.0.6.11", 0))
    _, other_email, other_password = registered_user(s, name="Someone Else")
    _browser(s, other_email, other_password, FIREFOX, ("127.0.6.12", 0))
    page = a.get("/profile/sessions")
    check_status(page, 200, "GET /profile/sessions")
    check_in('<table class="sessions">', page.body, "the sessions are a table")
    check_in("<th scope=\"row\">Firefox on Linux</th>", page.body, "the laptop's browser")
    check_in("<th scope=\"row\">Safari on iOS</th>", page.body, "the phone's browser")
    check_in("<td>127.0.6.10</td>", page.body, "the laptop's address")
    check_in("<td>127.0.6.11</td>", page.body, "the phone's address")
    check(re.search(r"<td>\d{4}-\d\d-\d\d \d\d:\d\d UTC</td>", page.body), "times in UTC")
    check_in('<tr class="current">', page.body, "the current session is marked")
    check_in("This browser", page.text(), "the current session says so")
    ids = _row_ids(page)
    check_eq(len(ids), 2, "one button per other session")
    for c in (laptop, phone, a):
        check_not_in(c.sid, page.body, "no session id in the page")
    check_eq(page.header("Cache-Control"), "no-store", "Cache-Control")
    check_in("form-action 'self'", page.header("Content-Security-Policy") or "", "the programs' CSP")
    check_not_in("Someone Else", page.body, "another account's sessions are not listed")
    check_not_in("127.0.6.12", page.body, "nor their addresses")
    check_in('href="/profile/sessions"', a.get("/profile").body, "the profile links to the list")


def test_sessions_end_one_with_password(ctx):
    s = ctx.server
    a, email, password = registered_user(s)
    a.source_address = new_source()
    laptop = _browser(s, email, password, FIREFOX, ("127.0.6.20", 0))
    phone = _browser(s, email, password, IPHONE, ("127.0.6.21", 0))
    row = _row_of(a.get("/profile/sessions"), "Firefox on Linux", "127.0.6.20")

    r = _end(a, "/profile/sessions/revoke", {"session": row, "current_password": "not the password at all"})
    check_status(r, 403, "ending a session with a wrong password")
    check_in("Your current password is not right.", r.text(), "the message")
    check_status(laptop.get("/profile"), 200, "the laptop after the refused attempt")

    r = _end(a, "/profile/sessions/revoke", {"session": row, "current_password": password})
    check_status(r, 303, "ending the laptop's session")
    check_eq(r.location, s.url("/profile/sessions"), "back to the list")
    gone = laptop.get("/profile")
    check_status(gone, 303, "the laptop after it was logged out")
    check(gone.location.startswith(s.url("/login")), f"the laptop goes to login: {gone.location}")
    check_status(phone.get("/profile"), 200, "the phone is still logged in")
    check_status(a.get("/profile"), 200, "the browser that did it is still logged in")
    check_eq(session_count(s, email), 2, "sessions left")
    r = _end(a, "/profile/sessions/revoke", {"session": row, "current_password": password})
    check_status(r, 404, "ending the same session again")


def test_sessions_forged_revoke_of_another_user(ctx):
    s = ctx.server
    a, email_a, password_a = registered_user(s, name="Attacker")
    b, email_b, password_b = registered_user(s, name="Victim")
    b_phone = _browser(s, email_b, password_b, IPHONE)
    # A real row id, but of B's list.
    b_row = _row_ids(b.get("/profile/sessions"))[0]
    _browser(s, email_a, password_a, FIREFOX)  # so that A's page has the form
    for what, value in (("B's row id", b_row), ("B's session cookie", b_phone.sid),
                        ("B's database id", str(s.query("SELECT max(s.id) AS n FROM sessions s JOIN users u ON u.id = s.user_id "
                                                         "WHERE u.email = ?", (email_b,))[0]["n"])),
                        ("a made-up id", "A" * 22)):
        r = _end(a, "/profile/sessions/revoke", {"session": value, "current_password": password_a})
        check_status(r, 404, f"A ends {what}")
        check_in("not one of yours", r.text(), f"A ends {what}: message")
    check_status(b_phone.get("/profile"), 200, "B's phone is still logged in")
    check_status(b.get("/profile"), 200, "B is still logged in")
    check_eq(session_count(s, email_b), 2, "B's sessions")
    # Without a valid CSRF token nothing happens either.
    r = a.post("/profile/sessions/revoke-others", {"csrf_token": "forged", "current_password": password_a})
    check_status(r, 403, "revoke-others with a forged token")


def test_sessions_end_all_others(ctx):
    s = ctx.server
    a, email, password = registered_user(s)
    others = [_browser(s, email, password, ua) for ua in (FIREFOX, IPHONE, "curl/8.0")]
    check_eq(session_count(s, email), 4, "sessions before")
    r = _end(a, "/profile/sessions/revoke-others", {"current_password": password})
    check_status(r, 303, "ending all other sessions")
    check(r.set_cookie("sid") is None, "the current session keeps its cookie")
    check_eq(session_count(s, email), 1, "sessions after")
    for c in others:
        check_status(c.get("/profile"), 303, "another browser after revoke-others")
    page = a.get("/profile/sessions")
    check_in("All your other sessions have been ended.", page.text(), "the message")
    check_in("You are logged in only in this browser.", page.text(), "the list now")
    check_eq(_row_ids(page), [], "no other rows")


def test_sessions_routes_and_methods(ctx):
    s = ctx.server
    c, _, _ = registered_user(s)
    for path in ("/profile/sessions", "/profile/sessions/revoke", "/profile/sessions/revoke-others"):
        r = s.client().get(path)
        check_status(r, 303, f"GET {path} without a session")
        check(r.location.startswith(s.url("/login?next=")), f"{path} asks to log in: {r.location}")
    check_status(c.post("/profile/sessions", {"x": "1"}), 405, "POST /profile/sessions")
    for path in ("/profile/sessions/revoke", "/profile/sessions/revoke-others"):
        r = c.get(path)
        check_status(r, 303, f"GET {path}")
        check_eq(r.location, s.url("/profile/sessions"), f"GET {path} goes to the list")
        check_status(c.request("DELETE", path), 405, f"DELETE {path}")


# --------------------------------------------------------------------------
# Email change and notices (a server and maildev of their own)


def _catcher(ctx) -> MailDev:
    md = getattr(ctx, "profile_maildev", None)
    if md is None:
        md = MailDev(ctx.args.root, label="maildev-profile", keep=ctx.args.keep)
        md.start()
        ctx.profile_maildev = md
    elif not md.running:
        md.start()
    return md


def _mail_server(ctx):
    md = _catcher(ctx)
    return ctx.shared_server("profile", md.env()), md


def _wait(s, md, address, count, timeout=15.0):
    found = md.wait_for(address, count, timeout=timeout, poke=lambda: s.client().get("/login"), interval=0.2)
    check(len(found) >= count, f"{len(found)} mails to {address} after {timeout} s, expected {count}")
    return found


def _by_subject(mails, subject):
    found = [m for m in mails if m.subject == subject + " - sessionauth"]  # SITE_NAME ends every subject
    check(found, f"no mail {subject!r} among {[m.subject for m in mails]}")
    return found[-1]


def _ask_change(c, new_address, password):
    page = c.get("/profile")
    return c.post("/profile/email", {"csrf_token": page.csrf_token(), "new_email": new_address,
                                     "current_password": password})


def _confirm(s, c, path):
    page = c.get(path)
    check_status(page, 200, "opening the confirmation link")
    check_eq(page.header("Referrer-Policy"), "no-referrer", "Referrer-Policy of the confirmation page")
    return c.post("/profile/email/confirm", {"csrf_token": page.csrf_token(), "token": page.input_value("token")})


def _link(s, mail) -> str:
    m = LINK_RE.search(mail.text)
    check(m, f"no confirmation link in {mail.text[:400]!r}")
    check(m.group(1).startswith(s.url("/profile/email/confirm?token=")), f"the link starts with BASE_URL: {m.group(1)}")
    return m.group(1)[len(s.base_url):]


def test_email_change_confirmed_by_mail(ctx):
    s, md = _mail_server(ctx)
    c, old, password = registered_user(s)
    new = new_email("moved")
    r = _ask_change(c, new, password)
    check_status(r, 303, "asking to change the address")
    check_eq(user_row(s, old)["email"], old, "nothing changes before the link is opened")
    page = c.follow(r)
    check_in("We sent a link to the new address.", page.text(), "the message")
    check_in(f"Waiting for confirmation: {new}", page.text(), "the profile shows the pending address")
    check_in('action="/profile/email/cancel"', page.body, "with a way to cancel")

    link_mail = _wait(s, md, new, 1)[0]
    check_eq(link_mail.subject, "Confirm your new email address - sessionauth", "the mail to the new address")
    path = _link(s, link_mail)
    token = path.split("token=")[1]
    notice = _by_subject(_wait(s, md, old, 1), "Someone asked to change your email address")
    for part in (notice.text, notice.html):
        check_in(new, part, "the notice names the new address")
        check_not_in(token, part, "the notice carries no token")
        check_not_in(password, part, "the notice carries no password")
    check_in("From the address: 127.0.0.1", notice.text, "the notice says from where")
    check(re.search(r"When: \d{4}-\d\d-\d\d \d\d:\d\d UTC", notice.text), "the notice says when")

    phone = s.client()  # the link opened elsewhere, not logged in
    r = _confirm(s, phone, path)
    check_status(r, 303, "confirming the new address")
    check_eq(r.location, s.url("/login"), "a browser without a session goes to log in")
    check(user_row(s, old) is None, "the old address has no account now")
    check(user_row(s, new) is not None, "the account has the new address")
    changed = _by_subject(_wait(s, md, old, 2), "Your email address was changed")
    check_in(new, changed.text, "the notice to the old address names the new one")
    check_not_in("/reset", changed.text, "no reset link to an address that can no longer reset")

    check_status(s.client().submit("/login", {"email": old, "password": password}), 401, "logging in with the old address")
    login(s.client(), new, password)
    # Confirmed from a browser without a session: every session of the
    # account ends, as after a new password (the one that asked too).
    r = c.get("/profile")
    check_status(r, 303, "the session that asked was ended by the confirmation elsewhere")
    check(r.location.startswith(s.url("/login")), "and goes to log in")
    again = s.client().get(path)
    check_status(again, 410, "the link a second time")
    check_in("already been used", again.text(), "the message")


def test_email_change_taken_address_fails_only_at_confirmation(ctx):
    s, md = _mail_server(ctx)
    c, email, password = registered_user(s)
    _, taken, _ = registered_user(s, name="Owner")
    free = new_email("free")
    answers = []
    for address in (free, taken):
        r = _ask_change(c, address, password)
        answers.append((r.status, r.location, sorted(k.name for k in r.set_cookies)))
        _wait(s, md, address, 1)  # a link goes out either way
    check_eq(answers[1], answers[0], "asking for a taken address answers like a free one")
    path = _link(s, md.mails_to(taken)[-1])
    r = _confirm(s, c, path)
    check_status(r, 409, "confirming an address another account has")
    check_in(f"Another account uses {taken} now", r.text(), "the message")
    check_eq(user_row(s, email)["email"], email, "the address is unchanged")
    check_eq(user_row(s, taken)["name"], "Owner", "the other account is untouched")
    check_not_in("Waiting for confirmation", c.get("/profile").text(), "nothing pending after that")


def test_email_change_cancel_and_wrong_password(ctx):
    s, md = _mail_server(ctx)
    c, email, password = registered_user(s)
    c.source_address = new_source()
    # Mails counted toward their address's share: one row per mail queued,
    # never taken away by the delivery run that sends it meanwhile.
    outbox_before = s.query("SELECT count(*) AS n FROM mail_counts")[0]["n"]
    r = _ask_change(c, new_email("nope"), "not the password at all")
    check_status(r, 403, "asking with a wrong password")
    check_in("Your current password is not right.", r.text(), "the message")
    check(re.search(r'id="email_current_password"[^>]*aria-describedby="email_current_password-error"', r.body),
          "the error is tied to the password field")
    r = _ask_change(c, "no-at-sign", password)
    check_status(r, 422, "asking for something that is not an address")
    check_eq(s.query("SELECT count(*) AS n FROM mail_counts")[0]["n"], outbox_before, "nothing queued")

    new = new_email("cancelled")
    check_status(_ask_change(c, new, password), 303, "asking")
    path = _link(s, _wait(s, md, new, 1)[0])
    page = c.get("/profile")
    r = c.post("/profile/email/cancel", {"csrf_token": page.csrf_token()})
    check_status(r, 303, "cancelling")
    check_in("has been cancelled", c.follow(r).text(), "the message")
    r = s.client().get(path)
    check_status(r, 410, "the link after cancelling")
    check_eq(user_row(s, email)["email"], email, "the address is unchanged")


def test_notice_after_password_change_and_reset(ctx):
    s, md = _mail_server(ctx)
    c, email, password = registered_user(s)
    new = new_password()
    page = c.get("/profile")
    r = c.post("/profile/password", {"csrf_token": page.csrf_token(), "current_password": password,
                                      "new_password": new, "new_password_confirm": new})
    check_status(r, 303, "changing the password")
    notice = _by_subject(_wait(s, md, email, 1), "Your password was changed")
    check_in("From the address: 127.0.0.1", notice.text, "from where")
    check(re.search(r"When: \d{4}-\d\d-\d\d \d\d:\d\d UTC", notice.text), "when")
    for part in (notice.text, notice.html):
        check_not_in(new, part, "no new password in the notice")
        check_not_in(password, part, "no old password in the notice")

    # A reset: ask from an address of its own (reset requests are limited per address).
    asker = s.client()
    asker.source_address = new_source()
    check_status(asker.submit("/reset", {"email": email}), 200, "asking for a reset link")
    mails = _wait(s, md, email, 2)
    m = re.search(r"https?://[^\s\"'<>]+?/reset/confirm\?token=([A-Za-z0-9_-]+)", mails[-1].text)
    check(m, f"a reset link in {mails[-1].subject!r}")
    form = asker.get(f"/reset/confirm?token={m.group(1)}")
    newer = new_password()
    r = asker.post("/reset/confirm", {"csrf_token": form.csrf_token(), "token": m.group(1), "password": newer,
                                      "password_confirm": newer})
    check_status(r, 303, "setting a password with the link")
    notice = _by_subject(_wait(s, md, email, 3), "Your password was reset")
    check_in(f"From the address: {asker.source_address[0]}", notice.text, "the reset notice says from where")
    check_not_in(m.group(1), notice.text, "no token in the reset notice")
    check_not_in(newer, notice.text, "no password in the reset notice")
