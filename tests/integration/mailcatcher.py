"""A local SMTP catcher for the integration tests: maildev 3 from node_modules.

    md = MailDev(root).start()      # free SMTP and web ports on 127.0.0.1
    env = md.env()                  # MAIL_SERVER / MAIL_PORT for a server's env file
    mails = md.wait_for(lambda m: m.to == [address])
    md.stop(); md.start()           # the same SMTP port again ("server down")

maildev is installed by `npm ci` in the checkout (package.json pins it).
Both its SMTP and its web/REST listeners are bound to 127.0.0.1 (`--ip` binds
only SMTP, `--web-ip` the web inbox). The REST API of version 3 is under
/api/: GET /api/email, GET /api/email/<id>/source, DELETE /api/email/all,
GET /api/healthz. Messages are kept in a private directory, not maildev's
default /tmp/maildev, which other instances share.

Every instance is stopped by PID when the test run ends (atexit), whatever
happened in between.
"""

from __future__ import annotations

import atexit
import email
import email.policy
import http.client
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time

from harness import SetupError, free_port, terminate, wait_until


class Mail:
    """One caught message: maildev's summary; the raw source is fetched and
    parsed when first asked for."""

    def __init__(self, catcher: "MailDev", item: dict):
        self._catcher = catcher
        self.id: str = item["id"]
        envelope = item.get("envelope") or {}
        self.envelope_to: list[str] = [t.get("address", "") for t in envelope.get("to", [])]
        self.envelope_from: str = (envelope.get("from") or {}).get("address", "")
        self.header_to: list[str] = [t.get("address", "") for t in item.get("to", [])]
        self.subject: str = item.get("subject", "")
        self.time: str = item.get("time", "")  # ISO 8601, UTC
        self._source: bytes | None = None
        self._message: email.message.EmailMessage | None = None

    def __repr__(self) -> str:
        return f"<Mail {self.id} to={self.envelope_to} subject={self.subject!r}>"

    def addressed_to(self, address: str) -> bool:
        address = address.lower()
        return any(a.lower() == address for a in self.envelope_to + self.header_to)

    @property
    def source(self) -> bytes:
        if self._source is None:
            status, body = self._catcher._api("GET", f"/api/email/{self.id}/source")
            if status != 200:
                raise SetupError(f"maildev GET /api/email/{self.id}/source: {status}")
            self._source = body
        return self._source

    @property
    def message(self) -> email.message.EmailMessage:
        if self._message is None:
            self._message = email.message_from_bytes(self.source, policy=email.policy.default)
        return self._message

    def header(self, name: str) -> str | None:
        value = self.message.get(name)
        return None if value is None else str(value)

    def part(self, subtype: str) -> str | None:
        """The decoded text of the first text/<subtype> part (plain, html)."""
        for p in self.message.walk():
            if p.get_content_maintype() == "text" and p.get_content_subtype() == subtype:
                return p.get_content()
        return None

    @property
    def text(self) -> str:
        return self.part("plain") or ""

    @property
    def html(self) -> str:
        return self.part("html") or ""


_instances: list["MailDev"] = []


class MailDev:
    def __init__(self, root: str, label: str = "maildev", keep: bool = False):
        self.root = os.path.abspath(root)
        self.label = label
        self.keep = keep
        self.host = "127.0.0.1"
        self.smtp_port = 0
        self.web_port = 0
        self.dir = ""
        self.proc: subprocess.Popen | None = None
        _instances.append(self)

    @property
    def program(self) -> str:
        return os.path.join(self.root, "node_modules", ".bin", "maildev")

    def env(self) -> dict:
        """The env-file keys that send a server's mail here."""
        return {"MAIL_SERVER": self.host, "MAIL_PORT": str(self.smtp_port), "MAIL_STARTTLS": "False",
                "MAIL_SSL_TLS": "False"}

    # -- lifecycle
    def start(self, timeout: float = 30.0) -> "MailDev":
        """Starts maildev; a restart keeps the ports it had."""
        if self.running:
            return self
        if not os.access(self.program, os.X_OK):
            raise SetupError(f"{self.program} is missing: run `npm ci` in {self.root}")
        if not self.dir:
            self.dir = tempfile.mkdtemp(prefix=f"sessionauth-it-{self.label}-")
            os.mkdir(os.path.join(self.dir, "mail"))
        if not self.smtp_port:
            self.smtp_port = free_port(self.host)
            self.web_port = free_port(self.host)
            while self.web_port == self.smtp_port:
                self.web_port = free_port(self.host)
        log = open(os.path.join(self.dir, "maildev.log"), "ab")
        try:
            # cwd: its own directory, so no .maildevrc.json of a parent applies.
            self.proc = subprocess.Popen(
                [self.program, "--smtp", str(self.smtp_port), "--web", str(self.web_port), "--ip", self.host,
                 "--web-ip", self.host, "--mail-directory", os.path.join(self.dir, "mail")],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, cwd=self.dir)
        finally:
            log.close()

        def answers() -> str | None:
            status, body = self._api("GET", "/api/healthz", timeout=2)
            if status == 200 and self._smtp_answers():
                return None
            return f"healthz {status} {body[:100]!r}"

        def exited() -> None:
            code = self.proc.returncode
            self.proc = None
            raise SetupError(f"maildev exited with {code} at start:\n{self.log_text()[-2000:]}")

        last = wait_until(answers, timeout, self.proc, exited)
        if last is not None:
            self.stop()
            raise SetupError(f"maildev did not get ready within {timeout} s ({last}):\n{self.log_text()[-2000:]}")
        return self

    def _smtp_answers(self) -> bool:
        try:
            with socket.create_connection((self.host, self.smtp_port), timeout=2) as s:
                return s.recv(4).startswith(b"220")
        except OSError:
            return False

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        """Stops the process (by its PID); the directory and ports stay for a restart."""
        if self.proc is None:
            return
        terminate(self.proc, 5)
        self.proc = None
        # Until the SMTP port is really closed, a "down" server is not down.
        deadline = time.monotonic() + 5
        while self._smtp_answers() and time.monotonic() < deadline:
            time.sleep(0.05)

    def close(self, keep: bool = False) -> None:
        self.stop()
        if self.dir and not keep:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = ""

    def log_text(self) -> str:
        try:
            with open(os.path.join(self.dir, "maildev.log"), "rb") as f:
                return f.read().decode(errors="replace")
        except OSError:
            return ""

    # -- REST API
    def _api(self, method: str, path: str, timeout: float = 10) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection(self.host, self.web_port, timeout=timeout)
        try:
            conn.request(method, path)
            r = conn.getresponse()
            return r.status, r.read()
        finally:
            conn.close()

    def mails(self) -> list[Mail]:
        """Every caught message, oldest first."""
        status, body = self._api("GET", "/api/email")
        if status != 200:
            raise SetupError(f"maildev GET /api/email: {status} {body[:200]!r}")
        return sorted((Mail(self, item) for item in json.loads(body)), key=lambda m: m.time)

    def mails_to(self, address: str) -> list[Mail]:
        return [m for m in self.mails() if m.addressed_to(address)]

    def clear(self) -> None:
        status, body = self._api("DELETE", "/api/email/all")
        if status != 200:
            raise SetupError(f"maildev DELETE /api/email/all: {status} {body[:200]!r}")

    def wait_for(self, address: str, count: int = 1, timeout: float = 10.0, poke=None,
                 interval: float = 0.1) -> list[Mail]:
        """Waits until at least `count` mails to `address` are here; returns them (oldest first).

        `poke`, if given, is called between looks (e.g. a cheap request that
        makes the site deliver its due mail). Returns what is there at the
        timeout, which may be fewer.
        """
        deadline = time.monotonic() + timeout
        while True:
            found = self.mails_to(address)
            if len(found) >= count or time.monotonic() >= deadline:
                return found
            if poke is not None:
                poke()
            time.sleep(interval)


@atexit.register
def _stop_all() -> None:
    for md in list(_instances):
        try:
            md.close(keep=md.keep)
        except Exception:  # noqa: BLE001 - stop the others too
            pass


def module_maildev(ctx, name: str) -> MailDev:
    """The maildev a test module keeps on the run's context under `name`:
    started the first time, started again if a failed test left it stopped."""
    md = getattr(ctx, name, None)
    if md is None:
        md = MailDev(ctx.args.root, label=name.replace("_", "-"), keep=ctx.args.keep)
        md.start()  # stopped at exit (_stop_all), whatever happens
        setattr(ctx, name, md)
    elif not md.running:
        md.start()
    return md
