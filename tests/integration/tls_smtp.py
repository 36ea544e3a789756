"""A real SMTP server with TLS for the mail tests: Debian's aiosmtpd (Python's
ssl, that is OpenSSL, TLS 1.2 and 1.3), in a process of its own so that a
test can stop it, stall it or start it again on the same port.

    pki = make_pki(directory)                  # a test CA and a localhost certificate
    srv = TlsSmtp(directory, pki, mode="starttls").start()   # or "implicit", "plain"
    srv.messages()                             # what it accepted, as bytes
    srv.stop(); srv.start(stall=True)          # answers nothing after DATA's content

Started on 127.0.0.1 only, stopped by PID (atexit as well).
"""

from __future__ import annotations

import atexit
import glob
import os
import subprocess
import sys

from harness import SetupError, free_port, terminate, wait_until

# The server itself, run as `python3 -c SERVER_CODE OUT MODE PORT CERT KEY STALL DELAY`.
SERVER_CODE = r'''
import asyncio, os, ssl, sys, signal
from aiosmtpd.controller import Controller
out, mode, port, cert, key, stall, delay = sys.argv[1:8]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
ctx.minimum_version = ssl.TLSVersion.TLSv1_2
ctx.maximum_version = ssl.TLSVersion.TLSv1_3
class Handler:
    async def handle_DATA(self, server, session, envelope):
        if stall == "1":
            await asyncio.sleep(3600)
        await asyncio.sleep(float(delay))
        tls = server.transport.get_extra_info("ssl_object")
        name = os.path.join(out, "%d-%d.eml" % (os.getpid(), len(os.listdir(out))))
        with open(name + ".tmp", "wb") as f:
            f.write(("X-Test-TLS: %s\r\nX-Test-To: %s\r\n" % (tls.version() if tls else "none", ",".join(envelope.rcpt_tos))).encode())
            f.write(envelope.original_content)
        os.rename(name + ".tmp", name)
        return "250 OK queued"
kw = {"hostname": "127.0.0.1", "port": int(port)}
if mode == "starttls":
    kw.update(tls_context=ctx, require_starttls=True)
elif mode == "implicit":
    kw.update(ssl_context=ctx, server_hostname="localhost")
c = Controller(Handler(), **kw)
if mode == "implicit":
    # The controller's readiness probe, with a client context of its own.
    def trigger():
        import socket
        client = ssl.create_default_context()
        client.check_hostname = False
        client.verify_mode = ssl.CERT_NONE
        with socket.create_connection(("127.0.0.1", int(port)), 2.0) as raw:
            with client.wrap_socket(raw) as tls:
                tls.recv(1024)
    c._trigger_server = trigger
c.start()
print("ready", flush=True)
signal.sigwait({signal.SIGINT, signal.SIGTERM})
c.stop()
'''


def make_pki(directory: str) -> dict:
    """A CA and a certificate for localhost and 127.0.0.1, made with openssl."""
    os.makedirs(directory, exist_ok=True)
    p = {k: os.path.join(directory, f) for k, f in
         (("ca", "ca.pem"), ("ca_key", "ca.key"), ("cert", "server.pem"), ("key", "server.key"))}
    ext = os.path.join(directory, "server.ext")
    with open(ext, "w") as f:
        f.write("basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
                "extendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n")
    csr = os.path.join(directory, "server.csr")
    for args in (["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=sessionauth test CA",
                  "-keyout", p["ca_key"], "-out", p["ca"], "-addext", "basicConstraints=critical,CA:TRUE",
                  "-addext", "keyUsage=critical,keyCertSign,cRLSign"],
                 ["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-keyout", p["key"], "-out", csr],
                 ["x509", "-req", "-in", csr, "-CA", p["ca"], "-CAkey", p["ca_key"], "-CAcreateserial", "-days", "2",
                  "-extfile", ext, "-out", p["cert"]]):
        r = subprocess.run(["openssl", *args], capture_output=True, text=True)
        if r.returncode != 0:
            raise SetupError(f"openssl {args[0]}: {r.stderr.strip()}")
    return p


class TlsSmtp:
    def __init__(self, directory: str, pki: dict, mode: str = "starttls", delay: float = 0.0):
        self.dir = os.path.join(directory, "received")
        os.makedirs(self.dir, exist_ok=True)
        self.pki = pki
        self.mode = mode
        self.delay = delay
        self.port = free_port()
        self.proc: subprocess.Popen | None = None
        atexit.register(self.stop)

    def start(self, stall: bool = False) -> "TlsSmtp":
        # Debian's Python, where python3-aiosmtpd is (the tests may run under another).
        python = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
        self.proc = subprocess.Popen(
            [python, "-c", SERVER_CODE, self.dir, self.mode, str(self.port), self.pki["cert"], self.pki["key"],
             "1" if stall else "0", str(self.delay)],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.proc.stdout.readline() if self.proc.stdout else ""
        if line.strip() != "ready":
            self.stop()
            raise SetupError("the aiosmtpd test server did not start (is python3-aiosmtpd installed?)")
        return self

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            terminate(self.proc, 5.0)
        self.proc = None

    def env(self) -> dict:
        return {"MAIL_SERVER": "localhost", "MAIL_PORT": str(self.port),
                "MAIL_STARTTLS": "True" if self.mode == "starttls" else "False",
                "MAIL_SSL_TLS": "True" if self.mode == "implicit" else "False"}

    def messages(self) -> list[bytes]:
        out = []
        for name in sorted(glob.glob(os.path.join(self.dir, "*.eml")), key=os.path.getmtime):
            with open(name, "rb") as f:
                out.append(f.read())
        return out

    def wait_for(self, count: int, timeout: float = 15.0) -> list[bytes]:
        wait_until(lambda: None if len(self.messages()) >= count else "waiting", timeout, interval=0.1)
        return self.messages()
