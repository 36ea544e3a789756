"""Password reset by email, end to end: the request page, the mail as a real
SMTP server receives it (maildev, tests/integration/mailcatcher.py), the link,
the new password, and what must be refused afterwards.

Two servers of their own share one maildev: "reset" (the default token
lifetime) and "reset-ttl" (RESET_TOKEN_TTL=4, for expiry). The site sends mail
after the response (App::after_response), and retries a failed delivery only
after later requests (Outbox::backoff: 5 s, 10 s, 20 s…), so waiting for a
mail means sending cheap requests meanwhile.

Every POST /reset comes from a loopback address of its own (127.0.x.y): the
site allows 10 reset requests per client address and hour, and all the tests
would otherwise share 127.0.0.1.

The test that stops the SMTP server comes last, so nothing else depends on it
coming back.
"""

import email.utils
import os
import re
import secrets
import threading
import time

from harness import (new_source, TestFailure, check, check_eq, check_in, check_not_in, check_status, login,
                     new_password, register, registered_user, session_count, user_row)
from mailcatcher import MailDev

MAIL_FROM = "noreply@sessionauth.test"  # harness.Server.env_settings
TTL = 4
SENT = "If an account exists for"
MALFORMED = "This reset link is incomplete or damaged."
UNKNOWN = "This reset link is not valid."
USED = "This reset link has already been used."
NEWER = "A newer reset link was sent after this one, so this one no longer works."
EXPIRED = "This reset link has expired."
CHANGED = "Your password has been changed. Log in with the new one."
GENERIC = "The email address or the password is not right."
LINK_RE = re.compile(r"(https?://[^\s\"'<>]+?/reset/confirm\?token=([A-Za-z0-9_-]*))")

# --------------------------------------------------------------------------
# Servers, addresses, mail

def _catcher(ctx) -> MailDev:
    md = getattr(ctx, "reset_maildev", None)
    if md is None:
        md = MailDev(ctx.args.root, label="maildev", keep=ctx.args.keep)
        md.start()  # stopped at exit (mailcatcher's atexit), whatever happens
        ctx.reset_maildev = md
    elif not md.running:
        md.start()  # left stopped by a failed test
    return md


def _server(ctx):
    md = _catcher(ctx)
    return ctx.shared_server("reset", md.env()), md


def _short_server(ctx):
    md = _catcher(ctx)
    return ctx.shared_server("reset-ttl", {**md.env(), "RESET_TOKEN_TTL": str(TTL)}), md


def _poke(s) -> None:
    """A cheap request: after it the program delivers what is due."""
    s.client().get("/login")


def _ask(s, address, client=None, headers=None):
    """The reset request form, filled in and sent from a new client address."""
    c = client or s.client()
    c.source_address = new_source()
    return c.submit("/reset", {"email": address}, headers=headers)


def _app_log(s) -> str:
    """The web server's error log and the programs' stderr (where lighttpd leaves it)."""
    text = s.log_text()
    try:
        with open(os.path.join(s.dir, "server.stderr"), "rb") as f:
            text += f.read().decode(errors="replace")
    except OSError:
        pass
    return text


def _outbox_lines(s) -> list[str]:
    return [line for line in _app_log(s).splitlines() if "outbox" in line or "reset" in line][-5:]


def _wait_mails(s, md, address, count, timeout=10.0, interval=0.2):
    found = md.wait_for(address, count, timeout=timeout, poke=lambda: _poke(s), interval=interval)
    if len(found) < count:
        pending = s.query("SELECT count(*) AS n, max(attempts) AS a, max(last_error) AS e FROM outbox")[0]
        raise TestFailure(f"{len(found)} mails to {address} after {timeout} s, expected {count}; outbox: "
                          f"{pending['n']} waiting, attempts {pending['a']}, last error {pending['e']!r}; "
                          f"log: {_outbox_lines(s)}")
    return found


def _link(s, mail) -> tuple[str, str]:
    """(path of the link, token) from the mail's text part; the link starts with BASE_URL."""
    m = LINK_RE.search(mail.text)
    check(m, f"no reset link in the text part: {mail.text[:400]!r}")
    link = m.group(1)
    check(link.startswith(s.url("/reset/confirm?token=")), f"the link {link!r} does not start with BASE_URL {s.base_url}")
    return link[len(s.base_url):], m.group(2)


def _request_link(s, md, address, client=None, headers=None):
    """Asks for a link for `address`; returns (path, token, mail) of the mail that arrives."""
    before = len(md.mails_to(address))
    r = _ask(s, address, client, headers)
    check_status(r, 200, f"asking for a reset link for {address}")
    check_in(SENT, r.text(), "the page after asking")
    mail = _wait_mails(s, md, address, before + 1)[before]
    path, token = _link(s, mail)
    return path, token, mail


def _confirm(s, path, password, client=None, confirm=None):
    """Opens the link, then posts the new password with the form's token."""
    c = client or s.client()
    page = c.get(path)
    check_status(page, 200, f"GET {path[:40]}…")
    token = page.input_value("token")
    check(token, "the form carries the token in a hidden field")
    return c.post("/reset/confirm", {"csrf_token": page.csrf_token(), "token": token, "password": password,
                                     "password_confirm": password if confirm is None else confirm})


def _check_bad_link(r, status, message, what):
    check_status(r, status, what)
    check_in(message, r.text(), f"{what}: message")
    check(re.search(r'<a [^>]*href="/reset"', r.body), f"{what}: no link to /reset in {r.body[-400:]!r}")
    check_not_in('name="password"', r.body, f"{what}: no password form")
    check_eq(r.header("Referrer-Policy"), "no-referrer", f"{what}: Referrer-Policy")


def _same_length_email(address: str, tag: str) -> str:
    """Another address of exactly the same length (pages compared byte for byte)."""
    local, domain = address.split("@")
    other = (tag + "." + secrets.token_hex(len(local)))[:len(local)]
    return f"{other}@{domain}"


def _masked(r, address: str) -> str:
    body = r.body
    for token in set(re.findall(r'name="csrf_token" value="([^"]*)"', body)):
        body = body.replace(token, "CSRF")
    return body.replace(address, "EMAIL")


# --------------------------------------------------------------------------
# The path


def test_reset_flow(ctx):
    """ask → mail → link → new password → old password and every old session refused → link refused."""
    s, md = _server(ctx)
    a, address, old = registered_user(s)
    b = s.client()
    login(b, address, old)
    check_eq(session_count(s, address), 2, "sessions before the reset")

    path, token, mail = _request_link(s, md, address)
    form = s.client().get(path)
    check_status(form, 200, "opening the link")
    check_in(address, form.text(), "the form names the account")
    check_eq(form.input_value("token"), token, "the token travels in a hidden field")
    action = re.search(r'<form [^>]*action="([^"]*)"', form.body)
    check(action and action.group(1) == "/reset/confirm", f"the form posts to /reset/confirm without the token: {action and action.group(1)!r}")

    new = new_password()
    r = _confirm(s, path, new, client=a)  # in the browser that is logged in
    check_status(r, 303, "setting the new password")
    check_eq(r.location, s.url("/login"), "after the reset, to the login page")
    check(all(k.deletes for k in r.set_cookies if k.name == "sid"), f"a new session cookie: {r.header_all('Set-Cookie')}")
    check_eq(session_count(s, address), 0, "sessions after the reset")
    for c, name in ((a, "A"), (b, "B")):
        p = c.get("/profile")
        check_status(p, 303, f"session {name} after the reset")
        check(p.location.startswith(s.url("/login")), f"session {name} goes to login: {p.location}")

    r = s.client().submit("/login", {"email": address, "password": old})
    check_status(r, 401, "the old password")
    check_in(GENERIC, r.text(), "the old password: message")
    login(s.client(), address, new)

    again = s.client().get(path)
    _check_bad_link(again, 410, USED, "the same link again")
    c = s.client()
    page = c.get("/reset")
    r = c.post("/reset/confirm", {"csrf_token": page.csrf_token(), "token": token, "password": "another one " + new,
                                  "password_confirm": "another one " + new})
    _check_bad_link(r, 410, USED, "posting the used token again")
    login(s.client(), address, new)  # unchanged


def test_reset_expired_link(ctx):
    s, md = _short_server(ctx)
    address, old = register(s.client())
    t0 = time.monotonic()
    path, token, _ = _request_link(s, md, address)
    c = s.client()
    early = c.get(path)
    check(time.monotonic() - t0 < TTL - 1, "test timing: the link was opened too late to check it works")
    check_status(early, 200, "the link right away")
    csrf = early.csrf_token()
    time.sleep(max(0.0, TTL + 1.5 - (time.monotonic() - t0)))
    _check_bad_link(s.client().get(path), 410, EXPIRED, f"the link after {TTL + 1.5} s (RESET_TOKEN_TTL={TTL})")
    new = new_password()
    r = c.post("/reset/confirm", {"csrf_token": csrf, "token": token, "password": new, "password_confirm": new})
    _check_bad_link(r, 410, EXPIRED, "posting the form after the link expired")
    login(s.client(), address, old)


# --------------------------------------------------------------------------
# Enumeration


def test_reset_same_answer_known_or_unknown(ctx):
    s, md = _server(ctx)
    known, _ = register(s.client())
    unknown = _same_length_email(known, "ghost")
    answers = {}
    for label, address in (("known", known), ("unknown", unknown)):
        r = _ask(s, address)
        check_status(r, 200, f"reset request for a {label} address")
        answers[label] = (r, address)
    (rk, ak), (ru, au) = answers["known"], answers["unknown"]
    check_eq(_masked(ru, au), _masked(rk, ak), "the page for an unknown address (csrf token and address masked)")

    def headers(r):
        return sorted((k.lower(), v) for k, v in r.headers if k.lower() not in ("date", "set-cookie"))

    check_eq(headers(ru), headers(rk), "headers for an unknown address")
    cookies = lambda r: sorted((c.name, tuple(sorted(c.attrs.items()))) for c in r.set_cookies)  # noqa: E731
    check_eq(cookies(ru), cookies(rk), "cookies for an unknown address")
    _wait_mails(s, md, known, 1)


# --------------------------------------------------------------------------
# The link and the mail


def test_reset_link_ignores_host_header(ctx):
    s, md = _server(ctx)
    address, _ = register(s.client())
    forged = {"Host": "evil.example", "X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https",
              "Forwarded": "host=evil.example;proto=https", "X-Forwarded-Server": "evil.example"}
    path, _, mail = _request_link(s, md, address, headers=forged)
    check_not_in(b"evil.example", mail.source, "the mail after a forged Host")
    check_in(s.url(path), mail.html, "the HTML part links to BASE_URL")
    # An absolute URI in the request line names another host too.
    before = len(md.mails_to(address))
    c = s.client()
    c.source_address = new_source()
    csrf = c.get("/reset").csrf_token()
    r = c.request("POST", "http://evil.example/reset", body=f"csrf_token={csrf}&email={address}",
                  headers={"Host": "evil.example", "Content-Type": "application/x-www-form-urlencoded"})
    ctx.note(f"absolute-URI request line: {r.status}")
    if r.status == 200:
        mails = _wait_mails(s, md, address, before + 1)
        check_not_in(b"evil.example", mails[before].source, "the mail after an absolute-URI request line")
        _link(s, mails[before])
    else:
        check_status(r, range(400, 500), "POST http://evil.example/reset")


def test_reset_newer_link_voids_older(ctx):
    s, md = _server(ctx)
    address, _ = register(s.client())
    first, first_token, _ = _request_link(s, md, address)
    second, _, _ = _request_link(s, md, address)
    check(first != second, "two requests, two links")
    _check_bad_link(s.client().get(first), 410, NEWER, "the older link")
    c = s.client()
    check_status(c.get(second), 200, "the newer link")
    new = new_password()
    r = c.post("/reset/confirm", {"csrf_token": c.history[-1].csrf_token(), "token": first_token, "password": new,
                                  "password_confirm": new})
    _check_bad_link(r, 410, NEWER, "posting the older token")
    r = _confirm(s, second, new)
    check_status(r, 303, "the newer link still works")


def test_reset_bad_links(ctx):
    s, md = _server(ctx)
    c = s.client()
    malformed = ["", "abc", "x" * 42, "x" * 44, "A" * 42 + "!", "A" * 42 + "%21", "A" * 42 + "%2B", "A" * 2000,
                 secrets.token_urlsafe(32)[:42] + "=", secrets.token_urlsafe(32)[:42] + "%3D"]
    for t in malformed:
        _check_bad_link(c.get("/reset/confirm?token=" + t), 400, MALFORMED, f"token {t[:20]!r}… ({len(t)} chars)")
    for t in ("A" * 42 + "%00", "A" * 41 + "%C3%A9", "A" * 42 + "%FF", "A" * 42 + "%0d%0a"):
        check_status(c.get("/reset/confirm?token=" + t), 400, f"token with {t[42:]}")  # the bad-input page
    _check_bad_link(c.get("/reset/confirm"), 400, MALFORMED, "no token at all")
    unknown = secrets.token_urlsafe(32)
    check_eq(len(unknown), 43, "test data: a well-formed token")
    _check_bad_link(c.get("/reset/confirm?token=" + unknown), 404, UNKNOWN, "an unknown token")
    csrf = c.get("/reset").csrf_token()
    new = new_password()
    for t, status, message in (("abc", 400, MALFORMED), (unknown, 404, UNKNOWN)):
        r = c.post("/reset/confirm", {"csrf_token": csrf, "token": t, "password": new, "password_confirm": new})
        _check_bad_link(r, status, message, f"POST with token {t[:10]!r}…")
    # used: one more full reset
    address, _ = register(s.client())
    path, _, _ = _request_link(s, md, address)
    check_status(_confirm(s, path, new), 303, "using the link")
    _check_bad_link(c.get(path), 410, USED, "the used link")


def test_reset_referrer_policy(ctx):
    s, md = _server(ctx)
    address, _ = register(s.client())
    c = s.client()
    pages = [c.get("/reset")]
    c.source_address = new_source()
    pages.append(c.post("/reset", {"csrf_token": pages[0].csrf_token(), "email": "not an address"}))
    check_status(pages[-1], 422, "an invalid address")
    path, _, _ = _request_link(s, md, address)
    form = c.get(path)
    check_status(form, 200, "the form")
    pages += [form, c.get("/reset/confirm?token=abc")]
    new = new_password()
    pages.append(c.post("/reset/confirm", {"csrf_token": form.csrf_token(), "token": form.input_value("token"),
                                           "password": new, "password_confirm": "mismatch " + new}))
    check_status(pages[-1], 422, "passwords that do not match")
    pages.append(c.post("/reset/confirm", {"csrf_token": form.csrf_token(), "token": form.input_value("token"),
                                           "password": new, "password_confirm": new}))
    check_status(pages[-1], 303, "the new password")
    for r in pages:
        what = f"{r.method} {r.target[:30]} ({r.status})"
        check_eq(r.header("Referrer-Policy"), "no-referrer", f"{what}: Referrer-Policy")
        check_in("no-store", r.header("Cache-Control") or "", f"{what}: Cache-Control")
    # The page with the token loads nothing from elsewhere and links nowhere else.
    for url in re.findall(r'(?:src|href|action)="([^"]*)"', form.body):
        check(url.startswith("#") or (url.startswith("/") and not url.startswith("//")), f"the form page refers to {url!r}")
    check_not_in(form.input_value("token") or "?", " ".join(re.findall(r'(?:src|href|action)="([^"]*)"', form.body)),
                 "the token in a URL of the form page")


def test_reset_sets_no_session_and_login_says_changed(ctx):
    s, md = _server(ctx)
    address, _ = register(s.client())
    path, _, _ = _request_link(s, md, address)
    c = s.client()
    new = new_password()
    r = _confirm(s, path, new, client=c)
    check_status(r, 303, "the new password")
    check(all(k.deletes for k in r.set_cookies if k.name == "sid"), f"a session cookie after the reset: {r.header_all('Set-Cookie')}")
    check(c.sid is None, "no session cookie in the browser")
    check_eq(session_count(s, address), 0, "sessions after the reset")
    page = c.follow(r)
    check_status(page, 200, "the login page after the reset")
    check_in(CHANGED, page.text(), "the login page says the password changed")
    check_status(c.get("/profile"), 303, "the profile still needs a login")
    check_not_in(CHANGED, c.get("/login").text(), "the message is shown once")


def test_reset_clears_login_throttle(ctx):
    s, md = _server(ctx)
    address, old = register(s.client())
    for i in range(5):
        c = s.client()
        c.source_address = new_source()
        r = c.submit("/login", {"email": address, "password": f"wrong guess {i} qq"})
        check_status(r, 401, f"failure {i + 1}")
    c = s.client()
    c.source_address = new_source()
    r = c.submit("/login", {"email": address, "password": old})
    check_status(r, 429, "the right password after 5 failures")
    path, _, _ = _request_link(s, md, address)
    new = new_password()
    check_status(_confirm(s, path, new), 303, "the reset")
    login(s.client(), address, new)


def test_reset_mail_format(ctx):
    s, md = _server(ctx)
    c = s.client()
    address, password = register(c, name="Ada Lovelace")
    asked = time.time()
    path, token, mail = _request_link(s, md, address)
    check_eq(mail.envelope_to, [address], "envelope recipients")
    check_eq(mail.envelope_from, MAIL_FROM, "envelope sender")
    check_eq(email.utils.parseaddr(mail.header("From")), ("sessionauth", MAIL_FROM), "From, with SITE_NAME as its name")
    check_eq([email.utils.parseaddr(a)[1] for a in mail.message.get_all("To", [])], [address], "To")
    check_eq(mail.header("Subject"), "Reset your password - sessionauth", "Subject, ending with SITE_NAME")
    date = mail.header("Date")
    check(date, "a Date header")
    when = email.utils.parsedate_to_datetime(date).timestamp()
    check(abs(when - asked) < 120, f"Date {date!r} is not about now")
    mid = mail.header("Message-ID")
    check(mid and re.fullmatch(r"<[^<>@\s]+@[^<>@\s]+>", mid.strip()), f"Message-ID {mid!r}")
    for name in ("Cc", "Bcc", "Reply-To"):
        check(mail.header(name) is None, f"no {name} header")
    check_eq(mail.message.get_content_type(), "multipart/alternative", "Content-Type")
    check(mail.text and mail.html, "a text and an HTML part")
    link = s.url(path)
    check_in(link, mail.text, "the link in the text part")
    check_in(f'href="{link}"', mail.html, "the link in the HTML part")
    check_in("Ada Lovelace", mail.text, "the name in the text part")
    for where, content in (("source", mail.source.decode(errors="replace")), ("text", mail.text), ("html", mail.html)):
        check_not_in(password, content, f"the mail ({where})")
    hash_ = user_row(s, address)["password_hash"]
    check_not_in(hash_, mail.source.decode(errors="replace"), "the password hash in the mail")
    # The token is stored only hashed, and logged nowhere.
    for suffix in ("", "-wal"):
        check_not_in(token.encode(), open(s.db_path + suffix, "rb").read() if os.path.exists(s.db_path + suffix) else b"",
                     f"the token in the database file{suffix}")
    check_not_in(token, _app_log(s), "the token in the log")


def test_reset_crlf_injection(ctx):
    s, md = _server(ctx)
    address, _ = register(s.client())
    c = s.client()
    csrf = c.get("/reset").csrf_token()
    payloads = ["a@x.test%0d%0aBcc:%20v@y.test", "a@x.test%0aBcc:%20v@y.test", "a@x.test%0dBcc:%20v@y.test",
                f"{address}%0d%0aBcc:%20v@y.test", f"{address}%0d%0a%0d%0aRCPT%20TO:<v@y.test>",
                f"{address}%00v@y.test", f"{address},v@y.test", f"{address}%3e%0d%0aRCPT%20TO:%3cv@y.test"]
    for p in payloads:
        c.source_address = new_source()
        r = c.post("/reset", f"csrf_token={csrf}&email={p}")
        check_status(r, range(400, 500), f"email={p}")
        check(not any(k.lower() in ("bcc", "rcpt to") for k, _ in r.headers), f"email={p}: a header from the input")
    for _ in range(5):
        _poke(s)
        time.sleep(0.2)
    check_eq(md.mails_to("v@y.test"), [], "mail to the injected recipient")
    check_eq(md.mails_to(address), [], "mail to the account")
    uid = user_row(s, address)["id"]
    check_eq(s.query("SELECT count(*) AS n FROM reset_tokens WHERE user_id = ?", (uid,))[0]["n"], 0, "tokens issued")


def test_reset_per_account_limit(ctx):
    s, md = _server(ctx)
    address, _ = register(s.client())
    pages = []
    for i in range(3):
        pages.append(_ask(s, address))
        check_status(pages[-1], 200, f"request {i + 1}")
    mails = _wait_mails(s, md, address, 3)
    pages.append(_ask(s, address))
    check_status(pages[-1], 200, "the 4th request within the hour")
    check_eq(_masked(pages[-1], address), _masked(pages[0], address), "the 4th answer is the same page")
    for _ in range(8):
        _poke(s)
        time.sleep(0.2)
    check_eq(len(md.mails_to(address)), 3, "mails after 4 requests within an hour")
    uid = user_row(s, address)["id"]
    check_eq(s.query("SELECT count(*) AS n FROM reset_tokens WHERE user_id = ?", (uid,))[0]["n"], 3, "tokens issued")
    check_eq(s.query("SELECT count(*) AS n FROM outbox WHERE recipient = ?", (address,))[0]["n"], 0, "mail waiting")
    # The mails may arrive in any order (each is sent by its own delivery
    # child): of the three links, the newest works and the other two say
    # they were superseded.
    statuses = sorted(s.client().get(_link(s, m)[0]).status for m in mails)
    check_eq(statuses, [200, 410, 410], "statuses of the three links (one valid, two superseded)")


def test_reset_parallel_confirm(ctx):
    """Two browsers post the same valid token at once (three times over)."""
    s, md = _server(ctx)
    for round_ in range(3):
        _race_once(s, md, round_)


def _race_once(s, md, round_):
    address, _ = register(s.client())
    path, _, _ = _request_link(s, md, address)
    browsers = [s.client(), s.client()]
    forms = [b.get(path) for b in browsers]
    for f in forms:
        check_status(f, 200, "the form in two browsers")
    passwords = [new_password(), new_password()]
    results: list = [None, None]
    barrier = threading.Barrier(2)

    def post(i):
        barrier.wait()
        try:
            results[i] = browsers[i].post("/reset/confirm", {
                "csrf_token": forms[i].csrf_token(), "token": forms[i].input_value("token"),
                "password": passwords[i], "password_confirm": passwords[i]})
        except Exception as e:  # noqa: BLE001 - reported below
            results[i] = e

    threads = [threading.Thread(target=post, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for r in results:
        check(r is not None and not isinstance(r, Exception), f"round {round_}: a parallel POST failed: {r!r}")
    statuses = sorted(r.status for r in results)
    check_eq(statuses, [303, 410], f"round {round_}: statuses of two parallel POSTs of one token "
                                   f"({[r.summary() for r in results]})")
    winner = 0 if results[0].status == 303 else 1
    _check_bad_link(results[1 - winner], 410, USED, f"round {round_}: the losing POST")
    login(s.client(), address, passwords[winner])
    r = s.client().submit("/login", {"email": address, "password": passwords[1 - winner]})
    check_status(r, 401, f"round {round_}: the losing password")


# --------------------------------------------------------------------------
# Last: the SMTP server goes away and comes back


def test_reset_smtp_down(ctx):
    s, md = _server(ctx)
    address, _ = register(s.client())
    ghost = _same_length_email(address, "ghost")
    reference = _ask(s, ghost)
    check_status(reference, 200, "a reset request with the SMTP server up")
    c = s.client()
    csrf = c.get("/reset").csrf_token()
    md.stop()
    try:
        c.source_address = new_source()
        t0 = time.monotonic()
        r = c.post("/reset", {"csrf_token": csrf, "email": address})
        took = time.monotonic() - t0
        check_status(r, 200, "a reset request with the SMTP server down")
        check_eq(_masked(r, address), _masked(reference, ghost), "the page with the SMTP server down")
        # The first attempt, right after the response, must have failed.
        deadline = time.monotonic() + 10
        row = None
        while time.monotonic() < deadline:
            rows = s.query("SELECT attempts, last_error FROM outbox WHERE recipient = ?", (address,))
            row = rows[0] if rows else None
            if row is not None and row["attempts"] >= 1:
                break
            _poke(s)
            time.sleep(0.2)
        check(row is not None and row["attempts"] >= 1, f"no failed delivery recorded in the outbox: {row and dict(row)}")
        ctx.note(f"delivery failed while down: {row['last_error']}")
    finally:
        md.start()  # the same SMTP port
    back = time.monotonic()
    mails = _wait_mails(s, md, address, 1, timeout=60)
    arrived = time.monotonic()
    print(f"#   SMTP down: POST /reset answered in {took * 1000:.1f} ms; mail arrived {arrived - back:.1f} s after "
          f"the SMTP server came back ({arrived - t0:.1f} s after the request)", flush=True)
    path, _ = _link(s, mails[0])
    check_status(s.client().get(path), 200, "the link from the late mail")
    check_eq(s.query("SELECT count(*) AS n FROM outbox WHERE recipient = ?", (address,))[0]["n"], 0, "mail waiting")
    log = _app_log(s)
    check_in("not delivered", log, "the failed delivery is logged")
    check_not_in(path.split("=")[-1], log, "the token in the log")

