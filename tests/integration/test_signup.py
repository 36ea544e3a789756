"""Sign-up confirmed by mail, on every server, with the shipped defaults
(SIGNUP_CONFIRMATION on, SIGNUP_MAX_PER_HOUR_PER_ADDRESS 10): the same
answer for a new and a taken address (status, headers and body, apart from
cookies and the CSRF token), the mails as a real SMTP server receives them
(maildev), the button behind the link, "confirm first" at login, link reuse
and forgery, two registrations and two confirmations of one address at
once, and the limits.

A server and a maildev of their own ("signup"). Every registration comes
from a loopback address of its own (127.0.x.y) but in the test of the limit
per client address.
"""

import re
import secrets
import threading

from harness import new_source, check, check_eq, check_in, check_not_in, check_status, new_password
from mailcatcher import MailDev

SENT = "Check your inbox"
CONFIRM_FIRST = "Confirm your email address first"
LINK_RE = re.compile(r"(https?://[^\s\"'<>]+?/register/confirm\?token=([A-Za-z0-9_-]*))")

def _server(ctx):
    md = getattr(ctx, "signup_maildev", None)
    if md is None:
        md = MailDev(ctx.args.root, label="signup-maildev", keep=ctx.args.keep)
        md.start()  # stopped at exit (mailcatcher's atexit)
        ctx.signup_maildev = md
    elif not md.running:
        md.start()
    s = ctx.shared_server("signup", {**md.env(), "SIGNUP_CONFIRMATION": "True",
                                     "SIGNUP_MAX_PER_HOUR_PER_ADDRESS": "10"})
    return s, md


def _address(tag: str) -> str:
    """Addresses of one length whatever the tag (3 letters), so answers can be compared byte for byte."""
    return f"{tag}{secrets.token_hex(5)}@example.test"


def _client(s, source=None):
    c = s.client()
    c.source_address = source or new_source()
    return c


def _register(s, address, password=None, name="Ada Lovelace", client=None):
    password = password or new_password()
    c = client or _client(s)
    r = c.submit("/register", {"name": name, "email": address, "password": password, "password_confirm": password})
    return r, password


def _mails(s, md, address, count):
    found = md.wait_for(address, count, timeout=15, poke=lambda: s.client().get("/login"), interval=0.2)
    check(len(found) >= count, f"{len(found)} mails to {address}, expected {count}")
    return found


def _link(s, mail) -> tuple[str, str]:
    m = LINK_RE.search(mail.text)
    check(m, f"no sign-up link in the text part: {mail.text[:400]!r}")
    check(m.group(1).startswith(s.url("/register/confirm?token=")), f"the link {m.group(1)!r} starts with BASE_URL")
    check_in(m.group(1).replace("&", "&amp;"), mail.html, "the HTML part has the same link")
    return m.group(1)[len(s.base_url):], m.group(2)


def _confirm(s, path, password, client=None):
    """Opens the link and presses the button with `password` (the one chosen at sign-up)."""
    c = client or _client(s)
    page = c.get(path)
    check_status(page, 200, "opening the sign-up link")
    token = page.input_value("token")
    return c, c.post("/register/confirm", {"csrf_token": page.csrf_token(), "token": token, "password": password})


def _comparable(r, address):
    body = r.body
    for token in set(re.findall(r'name="csrf_token" value="([^"]*)"', body)):
        body = body.replace(token, "CSRF")
    headers = []
    for k, v in r.headers:
        if k.lower() == "date":
            continue
        if k.lower() == "set-cookie":
            name, _, rest = v.partition("=")
            v = name + "=VALUE;" + rest.partition(";")[2]
        headers.append((k.lower(), v))
    return r.status, sorted(headers), body.replace(address, "EMAIL")


def _users(s, address) -> int:
    return s.query("SELECT count(*) AS n FROM users WHERE email = ?", (address,))[0]["n"]


def test_same_answer_for_new_and_taken_address(ctx):
    s, md = _server(ctx)
    taken = _address("own")
    _, owner_password = _register(s, taken, name="Owner Person")
    _, link = _link(s, _mails(s, md, taken, 1)[-1])
    _confirm(s, "/register/confirm?token=" + link, owner_password)
    check_eq(_users(s, taken), 1, "the owner's account")
    owner = s.query("SELECT password_hash, name FROM users WHERE email = ?", (taken,))[0]

    fresh = _address("new")
    a, _ = _register(s, fresh, password="same passphrase for both")
    b, _ = _register(s, taken, password="same passphrase for both", name="Ada Lovelace")
    check_status(a, 200, "registering a new address")
    check_in(SENT, a.text(), "the new address: check your inbox")
    check_in(f"We sent a link to {fresh}", a.text(), "the page names the address")
    ca, cb = _comparable(a, fresh), _comparable(b, taken)
    check_eq(cb[0], ca[0], "status for a taken address")
    check_eq(cb[1], ca[1], "headers for a taken address")
    check(ca[2] == cb[2], "the bodies differ apart from the address and the CSRF token")
    check_eq(_users(s, fresh), 0, "no account before the link is opened")

    # What each address got.
    path, _ = _link(s, _mails(s, md, fresh, 1)[-1])
    note = _mails(s, md, taken, 2)[-1]
    check_in("someone tried to create an account with this address", " ".join(note.text.split()),
             "the owner's note")
    check_in(s.url("/login"), note.text, "the note links to log in")
    check_in(s.url("/reset"), note.text, "the note links to reset")
    check(not LINK_RE.search(note.text), "no sign-up link in the owner's note")
    after = s.query("SELECT password_hash, name FROM users WHERE email = ?", (taken,))[0]
    check_eq((after["password_hash"], after["name"]), (owner["password_hash"], owner["name"]), "the owner's account unchanged")
    r = _client(s).submit("/login", {"email": taken, "password": owner_password})
    check_status(r, 303, "the owner still logs in")


def test_confirm_flow_and_link_reuse(ctx):
    s, md = _server(ctx)
    address = _address("flo")
    _, password = _register(s, address)
    path, token = _link(s, _mails(s, md, address, 1)[-1])

    # A mail scanner opening the link makes nothing.
    for _ in range(2):
        r = _client(s).get(path)
        check_status(r, 200, "opening the link")
        check_in("Create my account", r.text(), "the button")
        check_eq(r.header("Referrer-Policy"), "no-referrer", "Referrer-Policy of the link's page")
    check_eq(_users(s, address), 0, "accounts after opening the link")

    c, r = _confirm(s, path, "not the password " + password)
    check_status(r, 403, "pressing the button with another password")
    check_in("This is not the password chosen", r.text(), "the wrong password's message")
    check_eq(_users(s, address), 0, "accounts after a wrong password")
    c, r = _confirm(s, path, password)
    check_status(r, 303, "pressing the button")
    check_eq(r.location, s.url("/profile"), "to the profile")
    check(c.sid, "logged in")
    p = c.get("/profile")
    check_status(p, 200, "the profile")
    check_in(address, p.text(), "the profile shows the address")
    check_eq(_users(s, address), 1, "the account")
    row = s.query("SELECT confirmed_at FROM users WHERE email = ?", (address,))[0]
    check(row["confirmed_at"], "confirmed_at set")
    check_eq(s.query("SELECT count(*) AS n FROM signups WHERE email = ?", (address,))[0]["n"], 0,
             "the used registration keeps no address")

    # Reuse and forgery.
    again = _client(s).get(path)
    check_status(again, 410, "the used link")
    check_in("This sign-up link has already been used.", again.text(), "the used link's message")
    c2 = _client(s)
    page = c2.get("/register")
    r = c2.post("/register/confirm", {"csrf_token": page.csrf_token(), "token": token})
    check_status(r, 410, "posting the used token")
    forged = _client(s).get("/register/confirm?token=" + token[:-1] + ("A" if token[-1] != "A" else "B"))
    check_status(forged, 404, "a forged token")
    check_in("This sign-up link is not valid.", forged.text(), "the forged link's message")
    damaged = _client(s).get("/register/confirm?token=" + token[:20])
    check_status(damaged, 400, "a cut link")
    check_in("This sign-up link is incomplete or damaged.", damaged.text(), "the cut link's message")
    r = _client(s).submit("/login", {"email": address, "password": password})
    check_status(r, 303, "logging in with the password chosen at sign-up")


def test_login_before_confirming_and_resend(ctx):
    s, md = _server(ctx)
    address = _address("pen")
    _, password = _register(s, address)
    first, _ = _link(s, _mails(s, md, address, 1)[-1])
    c = _client(s)
    r = c.submit("/login", {"email": address, "password": "not the password " + password})
    check_status(r, 401, "a wrong password before confirming")
    check_not_in(CONFIRM_FIRST, r.text(), "no hint after a wrong password")
    r = c.submit("/login", {"email": address, "password": password})
    check_status(r, 403, "the right password before confirming")
    check_in(CONFIRM_FIRST, r.text(), "confirm first")
    check(not c.sid, "no session")
    r = c.post("/register/resend", {"csrf_token": r.csrf_token(), "email": address})
    check_status(r, 200, "sending the link again")
    second, _ = _link(s, _mails(s, md, address, 2)[-1])
    check(second != first, "a new link")
    old = _client(s).get(first)
    check_status(old, 410, "the older link")
    check_in("A newer sign-up link was sent for this address", old.text(), "the older link's message")
    _, r = _confirm(s, second, password)
    check_status(r, 303, "the new link")


def test_registering_then_logging_in_tells_nothing(ctx):
    """Whoever registers an address knows the password typed; logging in with
    it answers the same whether or not the address had an account."""
    s, md = _server(ctx)
    taken = _address("own")
    _, owner_password = _register(s, taken)
    _confirm(s, _link(s, _mails(s, md, taken, 1)[-1])[0], owner_password)
    fresh = _address("new")
    pw = new_password()
    _register(s, taken, password=pw)
    _register(s, fresh, password=pw)
    answers = {}
    for address in (taken, fresh):
        c = _client(s)
        answers[address] = c.submit("/login", {"email": address, "password": pw})
    a, b = _comparable(answers[taken], taken), _comparable(answers[fresh], fresh)
    check_eq(a[0], 403, "login with the registration's password, taken address")
    check_eq(b[0], a[0], "the same status for a new address")
    check_eq(b[1], a[1], "the same headers")
    check(a[2] == b[2], "the bodies differ apart from the address")
    r = _client(s).submit("/login", {"email": taken, "password": owner_password})
    check_status(r, 303, "the owner logs in with the account's own password")


def test_two_registrations_and_two_confirmations_at_once(ctx):
    s, md = _server(ctx)
    address = _address("rac")
    clients = [_client(s) for _ in range(2)]
    tokens = [c.get("/register").csrf_token() for c in clients]
    results = [None, None]
    gate = threading.Barrier(2)
    pw = new_password()  # the same for both, so that either link can be pressed with it

    def go(i):
        gate.wait()
        results[i] = clients[i].post("/register", {"csrf_token": tokens[i], "name": f"Racer {i}", "email": address,
                                                   "password": pw, "password_confirm": pw})

    threads = [threading.Thread(target=go, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i, r in enumerate(results):
        check_status(r, 200, f"registration {i}")
    paths = [_link(s, m)[0] for m in _mails(s, md, address, 2)]
    states = [_client(s).get(p).status for p in paths]
    check_eq(sorted(states), [200, 410], "of two links to one address, only the newest works")
    live = paths[states.index(200)]

    # The live link pressed in two browsers at once: one account, one session.
    pages = []
    for _ in range(2):
        c = _client(s)
        pages.append((c, c.get(live)))
    answers = [None, None]
    gate = threading.Barrier(2)

    def press(i):
        c, page = pages[i]
        gate.wait()
        answers[i] = c.post("/register/confirm", {"csrf_token": page.csrf_token(), "token": page.input_value("token"),
                                                  "password": pw})

    threads = [threading.Thread(target=press, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    check_eq(sorted(a.status for a in answers), [303, 410], "one confirmation wins")
    check_eq(_users(s, address), 1, "one account")
    check_eq(s.query("SELECT count(*) AS n FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.email = ?",
                     (address,))[0]["n"], 1, "one session")


def test_limits(ctx):
    s, md = _server(ctx)
    # Per client address: 10 registrations an hour, new and taken addresses alike.
    source = new_source()
    for i in range(10):
        r, _ = _register(s, _address("lim"), client=_client(s, source))
        check_status(r, 200, f"registration {i + 1} from one address")
    r, _ = _register(s, _address("lim"), client=_client(s, source))
    check_status(r, 429, "the 11th registration from one address")
    check_eq(r.header("Retry-After"), "3600", "Retry-After")
    check_in("Too many accounts were created from your network.", r.text(), "the message")
    r, _ = _register(s, _address("lim"))
    check_status(r, 200, "another client address is not held back")

    # Per address from one client address: three sign-up mails an hour,
    # then 429; from another client address it goes on.
    address = _address("cap")
    source = new_source()
    for i in range(3):
        r, _ = _register(s, address, client=_client(s, source))
        check_status(r, 200, f"sign-up mail {i + 1} to one address")
    r, _ = _register(s, address, client=_client(s, source))
    check_status(r, 429, "the 4th sign-up mail to one address")
    check_eq(r.header("Retry-After"), "3600", "Retry-After")
    check_in("Too many mails have gone to this address in the last hour.", r.text(), "the message")
    c = _client(s, source)
    page = c.get("/register")
    r = c.post("/register/resend", {"csrf_token": page.csrf_token(), "email": address})
    check_status(r, 429, "sending the link again past the limit")
    r, _ = _register(s, address)
    check_status(r, 200, "the same address from another client address")
    check_eq(len(_mails(s, md, address, 4)), 4, "mails to the address")
