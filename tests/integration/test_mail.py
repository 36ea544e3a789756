"""Mail delivery by sessionauth-deliver (lighttpd only: what is tested here
is the delivery program, not the web server; the page-started runs are
exercised on every server by the reset and profile tests):

- a run killed during DATA loses nothing, and the next run sends it once;
- STARTTLS (libesmtp) and implicit TLS (the relay) to a real TLS server
  (aiosmtpd, TLS 1.3 offered) with a test CA, and an untrusted certificate
  refused with nothing sent;
- a flood of notices to one address does not delay a reset link to another,
  and MAIL_MAX_PER_HOUR drops the notices past the share;
- several runs started at the same moment send each message once;
- the page programs link neither libesmtp nor OpenSSL.
"""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import time

from harness import check, check_eq, check_in, check_status, new_password, registered_user, skip, wait_until
from tls_smtp import TlsSmtp, make_pki

_pki: dict | None = None


def _only_lighttpd(ctx) -> None:
    if ctx.server_cls.kind != "lighttpd":
        skip("the delivery program is the same whatever the web server (lighttpd runs these)")


def _pki_once() -> dict:
    global _pki
    if _pki is None:
        _pki = make_pki(tempfile.mkdtemp(prefix="sessionauth-pki-"))
    return _pki


def _deliver(ctx, s, ca: str | None, wait: bool = True):
    env = {"AUTH_ENV": s.env_path, "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    if ca:
        env["SSL_CERT_FILE"] = ca
    args = [os.path.join(ctx.args.build, "sessionauth-deliver")]
    if not wait:
        return subprocess.Popen(args, env=env, stderr=subprocess.PIPE, text=True)
    return subprocess.run(args, env=env, capture_output=True, text=True, timeout=120)


def _outbox(s):
    return s.query("SELECT attempts, next_attempt_at, last_error FROM outbox")


def _ask_reset(s, email: str, source: str) -> None:
    asker = s.client()
    asker.source_address = (source, 0)
    check_status(asker.submit("/reset", {"email": email}), 200, "asking for a reset link")


def test_delivery_killed_during_data_loses_nothing_and_sends_once(ctx):
    _only_lighttpd(ctx)
    pki = _pki_once()
    smtp = TlsSmtp(tempfile.mkdtemp(prefix="sessionauth-smtp-"), pki, "starttls").start(stall=True)
    try:
        with ctx.separate_server("mail-kill", env={**smtp.env(), "MAIL_DELIVERY": "cron"}) as s:
            c, email, _ = registered_user(s)
            _ask_reset(s, email, "127.0.3.1")
            check_eq(len(_outbox(s)), 1, "the link is queued (cron: nothing was started)")
            run = _deliver(ctx, s, pki["ca"], wait=False)
            # Claimed (its attempt counted), then the server holds the DATA.
            wait_until(lambda: None if _outbox(s)[0]["attempts"] == 1 else "not claimed", 10)
            time.sleep(1.5)
            check(run.poll() is None, "the run is still sending")
            os.kill(run.pid, signal.SIGKILL)
            run.wait(10)
            rows = _outbox(s)
            check_eq(len(rows), 1, "the message is still queued")
            check_in("ended during the attempt", rows[0]["last_error"], "what the row says")
            check_eq(smtp.messages(), [], "nothing arrived")
            smtp.stop()
            smtp.start()
            # The next run waits out the backoff of the killed attempt (in
            # case the server was what hung), then sends it.
            r = _deliver(ctx, s, pki["ca"])
            check_eq(r.returncode, 0, f"the next run ({r.stderr.strip()})")
            got = smtp.messages()
            check_eq(len(got), 1, "the link arrived once")
            arrived = os.path.getmtime(sorted(os.listdir(smtp.dir) and
                                              [os.path.join(smtp.dir, n) for n in os.listdir(smtp.dir)])[0])
            check(arrived >= rows[0]["next_attempt_at"] - 1, "not before the backoff")
            check_in(b"/reset/confirm?token=", got[0], "it is the reset link")
            check_eq(_outbox(s), [], "the outbox is empty")
            _deliver(ctx, s, pki["ca"])
            check_eq(len(smtp.messages()), 1, "and never again")
    finally:
        smtp.stop()


def test_starttls_and_implicit_tls_to_a_real_server(ctx):
    _only_lighttpd(ctx)
    pki = _pki_once()
    for mode, version in (("starttls", b"TLSv1.2"), ("implicit", b"TLSv1.3")):
        smtp = TlsSmtp(tempfile.mkdtemp(prefix="sessionauth-smtp-"), pki, mode).start()
        try:
            with ctx.separate_server(f"mail-{mode}", env={**smtp.env(), "MAIL_DELIVERY": "cron",
                                                          "MAIL_USERNAME": "", "MAIL_PASSWORD": ""}) as s:
                c, email, _ = registered_user(s)
                _ask_reset(s, email, "127.0.3.2")
                # The system CAs alone do not know the test CA: refused, nothing
                # sent, still queued. (The run would stay for the retries: it
                # is stopped once the first attempt is recorded.)
                run = _deliver(ctx, s, None, wait=False)
                wait_until(lambda: None if _outbox(s)[0]["attempts"] >= 1 and "certificate" in _outbox(s)[0]["last_error"]
                           else "waiting", 20)
                run.kill()
                _, err = run.communicate(timeout=10)
                check_in("certificate", err, f"{mode}: why it was not sent")
                check_eq(smtp.messages(), [], f"{mode}: nothing sent to an untrusted server")
                check_eq(len(_outbox(s)), 1, f"{mode}: the link is still queued")
                s.query("UPDATE outbox SET next_attempt_at = 0")
                r = _deliver(ctx, s, pki["ca"])
                check_eq(r.returncode, 0, f"{mode}: the run ({r.stderr.strip()})")
                got = smtp.wait_for(1)
                check_eq(len(got), 1, f"{mode}: one mail")
                check_in(b"X-Test-TLS: " + version, got[0], f"{mode}: over TLS")
                check_in(email.encode(), got[0], f"{mode}: to the account")
                check_eq(_outbox(s), [], f"{mode}: the outbox is empty")
        finally:
            smtp.stop()


def test_flood_of_notices_does_not_delay_a_link_to_another(ctx):
    _only_lighttpd(ctx)
    pki = _pki_once()
    # A server that takes 1 s per message, so that the flood is still being
    # sent when the link is asked for; pages start the runs (the default).
    smtp = TlsSmtp(tempfile.mkdtemp(prefix="sessionauth-smtp-"), pki, "plain", delay=1.0).start()
    try:
        with ctx.separate_server("mail-flood", env={**smtp.env(), "MAIL_MAX_PER_HOUR": "10"}) as s:
            a, flooded, password = registered_user(s)
            b, other, _ = registered_user(s, "Grace Hopper")
            for i in range(12):  # 12 notices; 10 fit the hourly share
                fresh = new_password()
                page = a.get("/profile")
                r = a.post("/profile/password", {"csrf_token": page.csrf_token(), "current_password": password,
                                                  "new_password": fresh, "new_password_confirm": fresh})
                check_status(r, 303, f"password change {i + 1}")
                password = fresh
            asked = time.monotonic()
            _ask_reset(s, other, "127.0.3.3")

            def to(address: str) -> int:
                return sum(1 for m in smtp.messages() if f"X-Test-To: {address}".encode() in m)

            wait_until(lambda: None if to(other) >= 1 else "waiting", 20)
            took = time.monotonic() - asked
            ctx.note(f"reset link to the other address after {took:.1f} s, with {to(flooded)} of the flood sent")
            check_eq(to(other), 1, "the link arrived")
            check(to(flooded) < 10, f"it did not wait for the flood ({to(flooded)} of 10 notices were sent first)")
            wait_until(lambda: None if to(flooded) >= 10 else "waiting", 40)
            time.sleep(1.0)
            check_eq(to(flooded), 10, "the flooded address got MAIL_MAX_PER_HOUR notices, no more")
            with open(os.path.join(s.dir, "server.stderr"), errors="replace") as f:  # where the programs' stderr goes
                check_eq(f.read().count("notice was dropped"), 2, "each dropped notice has its log line")
    finally:
        smtp.stop()


def test_page_programs_link_no_smtp_or_tls_library(ctx):
    """What the dynamic linker loads for each page program (ldd: the
    libraries' own dependencies too, which readelf -d does not show): no
    libssl, libcrypto, libesmtp or libpq (and so none of libpq's OpenSSL,
    Kerberos and LDAP: it is loaded only when a DATABASE_URL is opened)."""
    _only_lighttpd(ctx)

    def loaded(program):
        out = subprocess.run(["ldd", os.path.join(ctx.args.build, program)], capture_output=True, text=True)
        check_eq(out.returncode, 0, f"ldd {program}")
        return {line.split()[0].split("/")[-1].split(".so")[0] for line in out.stdout.splitlines() if line.strip()}

    def has(libs, name):  # "libldap" matches libldap-2.5
        return any(lib == name or lib.startswith(name + "-") for lib in libs)

    programs = [p for p in sorted(os.listdir(ctx.args.build))
                if p.startswith("auth-") and os.access(os.path.join(ctx.args.build, p), os.X_OK)]
    check(len(programs) >= 8, f"page programs found: {programs}")
    for program in programs:
        libs = loaded(program)
        check("libsqlite3" in libs or "libc" in libs, f"ldd {program} lists its libraries: {sorted(libs)}")
        # auth-passkey verifies passkeys: CBOR through libcbor, the one page
        # program that loads it; ES256 through libcrypto, which it loads
        # only when a passkey first needs it (src/webauthn/libcrypto.cc).
        passkey = program == "auth-passkey"
        for lib in ("libssl", "libesmtp", "libpq", "libgssapi_krb5", "libldap", "libcrypto") + \
                (() if passkey else ("libcbor",)):
            check(not has(libs, lib), f"{program} loads {lib}")
        if passkey:
            check(has(libs, "libcbor"), "auth-passkey loads libcbor")
    for program in ("sessionauth-deliver", "sessionauth-admin"):
        check(not has(loaded(program), "libpq"), f"{program} loads libpq before a DATABASE_URL asks for it")
    deliver = loaded("sessionauth-deliver")
    check(has(deliver, "libesmtp") and has(deliver, "libssl"), "sessionauth-deliver is the one that loads them")


def test_runs_started_together_send_each_message_once(ctx):
    """Pages start a run for each request that queues mail, and cron may
    start one too: several at the same moment must send each message once."""
    _only_lighttpd(ctx)
    pki = _pki_once()
    smtp = TlsSmtp(tempfile.mkdtemp(prefix="sessionauth-smtp-"), pki, "plain", delay=0.2).start()
    try:
        with ctx.separate_server("mail-together", env={**smtp.env(), "MAIL_DELIVERY": "cron"}) as s:
            addresses = []
            for i in range(6):
                c, email, _ = registered_user(s)
                _ask_reset(s, email, f"127.0.4.{i + 1}")
                addresses.append(email)
            check_eq(len(_outbox(s)), 6, "six links queued")
            runs = [_deliver(ctx, s, pki["ca"], wait=False) for _ in range(4)]
            for run in runs:
                run.wait(60)
                check_eq(run.returncode, 0, "each run ends cleanly")
            got = smtp.messages()
            for email in addresses:
                check_eq(sum(1 for m in got if f"X-Test-To: {email}".encode() in m), 1, f"one link to {email}")
            check_eq(len(got), 6, "six mails, no more")
            check_eq(_outbox(s), [], "the outbox is empty")
    finally:
        smtp.stop()
