#!/usr/bin/env python3
"""The portable upload bundle (make bundle) on a machine that has nothing but
the C library.

    python3 tests/bundle/test_bundle.py --root ROOT --bundle sessionauth-V-linux-x86_64.tar.gz

Unpacks the bundle into a chroot that holds only it and the files of
Debian's libc6 package (the dynamic loader, libc.so.6, libm ... — no
libstdc++, no SQLite, no OpenSSL, no shell), stages the site there with the
bundle's own stage-site.sh, and runs the programs inside as plain CGI does:
GET /login and a sign-up; sessionauth-deliver mailing the sign-up link over
STARTTLS with AUTH PLAIN (its libesmtp, SASL plug-in and OpenSSL from
private/lib/) to a test SMTP server; the link, a login with the CSRF cookie
and field, the profile page with the session cookie; sessionauth-admin. Also checks what the bundle is made of: static page programs,
sessionauth-deliver needing nothing outside the bundle but glibc, and the
README's glibc floor against the versions the files ask for.

The chroot needs root, or a user namespace (`unshare --user
--map-root-user`); with neither, those tests print "skipped" and count
neither as passed nor as failed. Ends with "N passed, N failed".
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import traceback
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

PAGE_PROGRAMS = ("auth-home", "auth-register", "auth-login", "auth-logout", "auth-profile", "auth-reset", "auth-passkey", "auth-admin")
# Linked against glibc and a library Debian ships shared only (in cgi/lib/).
DYNAMIC_PAGES = {"auth-profile": "libqrencode.so", "auth-passkey": "libcbor.so"}
# What Debian's libc6 ships as shared objects: what a host always has.
GLIBC_SONAME = re.compile(r"^(ld-linux[-\w]*\.so\.\d+|lib(c|m|mvec|pthread|dl|rt|resolv|util|anl|nsl|BrokenLocale|nss_\w+)\.so\.\d+)$")

passed = failed = 0


def ok(name: str) -> None:
    global passed
    passed += 1
    print(f"ok - {name}", flush=True)


def fail(name: str, why: str) -> None:
    global failed
    failed += 1
    print(f"FAIL - {name}: {why}", flush=True)


def skipped(name: str, why: str) -> None:
    print(f"skipped - {name}: {why}", flush=True)


class Check(Exception):
    pass


def check(condition, message: str) -> None:
    if not condition:
        raise Check(message)


def run_test(name: str, fn, *args) -> None:
    try:
        fn(*args)
    except Check as e:
        fail(name, str(e))
    except Exception:  # noqa: BLE001 - a crash of one test is its failure
        fail(name, traceback.format_exc(limit=3).strip().replace("\n", " | "))
    else:
        ok(name)


# --------------------------------------------------------------------------
# The bundle's files


def version_of(root: str) -> str:
    with open(os.path.join(root, "configure.ac")) as f:
        m = re.search(r"AC_INIT\(\[sessionauth\],\s*\[([^\]]+)\]", f.read())
    if not m:
        raise SystemExit("test_bundle.py: no version in configure.ac")
    return m.group(1)


def elf_needed(path: str) -> list[str]:
    out = subprocess.run(["readelf", "-d", path], capture_output=True, text=True, check=True).stdout
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out)


def has_interpreter(path: str) -> bool:
    out = subprocess.run(["readelf", "-l", path], capture_output=True, text=True, check=True).stdout
    return "INTERP" in out


def glibc_versions(path: str) -> set[tuple[int, ...]]:
    out = subprocess.run(["objdump", "-T", path], capture_output=True, text=True).stdout
    return {tuple(int(x) for x in v.split(".")) for v in re.findall(r"GLIBC_(\d+(?:\.\d+)+)", out)}


def dynamic_files(top: str) -> list[str]:
    """The bundle's ELF files that the host's dynamic loader loads."""
    found = []
    for d, _, files in os.walk(top):
        for f in files:
            p = os.path.join(d, f)
            with open(p, "rb") as fh:
                if fh.read(4) != b"\x7fELF":
                    continue
            if ".so" in f or has_interpreter(p):
                found.append(p)
    return sorted(found)


def test_name_and_layout(tarball: str, version: str, top: str) -> None:
    check(os.path.basename(tarball) == f"sessionauth-{version}-linux-x86_64.tar.gz",
          f"tarball named {os.path.basename(tarball)}")
    for rel in ["stage-site.sh", "README.md", "sessionauth.env.sample", "htdocs/.htaccess", "htdocs/cgi/.htaccess",
                "private/templates/layout.tpl", "private/data/common-passwords.txt",
                "private/bin/sessionauth-deliver", "private/bin/sessionauth-admin"] + \
               [f"htdocs/cgi/{p}.fcgi" for p in PAGE_PROGRAMS]:
        check(os.path.exists(os.path.join(top, rel)), f"{rel} is not in the bundle")


def test_static_programs(top: str) -> None:
    for p in [f"htdocs/cgi/{p}.fcgi" for p in PAGE_PROGRAMS if p not in DYNAMIC_PAGES] + ["private/bin/sessionauth-admin"]:
        path = os.path.join(top, p)
        check(not has_interpreter(path), f"{p} asks for a dynamic loader (not static)")
        check(elf_needed(path) == [], f"{p} needs shared libraries: {elf_needed(path)}")
    # auth-profile (libqrencode) and auth-passkey (libcbor; libcrypto linked
    # in): the library Debian ships no static one of from cgi/lib/, glibc
    # from the host, nothing else.
    for program, library in DYNAMIC_PAGES.items():
        path = os.path.join(top, "htdocs", "cgi", f"{program}.fcgi")
        rpath = subprocess.run(["readelf", "-d", path], capture_output=True, text=True, check=True).stdout
        check("(RPATH)" in rpath and "$ORIGIN/lib" in rpath, f"{program} has no DT_RPATH $ORIGIN/lib")
        for soname in elf_needed(path):
            check(GLIBC_SONAME.match(soname) or os.path.exists(os.path.join(top, "htdocs", "cgi", "lib", soname)),
                  f"{program} needs {soname}, which is neither glibc's nor in htdocs/cgi/lib/")
        check(any(n.startswith(library) for n in elf_needed(path)), f"{program} does not load {library}?")


def test_deliver_libraries(top: str) -> None:
    deliver = os.path.join(top, "private", "bin", "sessionauth-deliver")
    rpath = subprocess.run(["readelf", "-d", deliver], capture_output=True, text=True, check=True).stdout
    check("(RPATH)" in rpath and "$ORIGIN/../lib" in rpath, "sessionauth-deliver has no DT_RPATH $ORIGIN/../lib")
    lib = os.path.join(top, "private", "lib")
    for f in dynamic_files(top):
        here = os.path.join(os.path.dirname(f), "lib") if f.endswith(".fcgi") else lib
        for soname in elf_needed(f):
            check(GLIBC_SONAME.match(soname) or os.path.exists(os.path.join(here, soname)),
                  f"{os.path.relpath(f, top)} needs {soname}, which is neither glibc's nor in {os.path.relpath(here, top)}/")
    plugins = [d for d in os.listdir(lib) if d.startswith("esmtp-plugins-")]
    check(len(plugins) == 1 and os.path.exists(os.path.join(lib, plugins[0], "sasl-plain.so")),
          f"libesmtp's plug-ins are not in private/lib/: {os.listdir(lib)}")
    esmtp = [f for f in os.listdir(lib) if f.startswith("libesmtp.so.")]
    with open(os.path.join(lib, esmtp[0]), "rb") as f:
        check(re.search(rb"\$ORIGIN/+" + re.escape(plugins[0].encode()) + rb"/sasl-\0", f.read()),
              "the bundled libesmtp looks for its plug-ins elsewhere")


def glibc_floor(top: str) -> tuple[int, ...]:
    versions: set[tuple[int, ...]] = set()
    for f in dynamic_files(top):
        versions |= glibc_versions(f)
    check(versions, "no GLIBC_ versions in the bundle's dynamic files")
    return max(versions)


def test_readme_floor(root: str, top: str) -> None:
    floor = ".".join(map(str, glibc_floor(top)))
    with open(os.path.join(root, "README.md")) as f:
        readme = " ".join(f.read().split())  # a sentence may break across lines
    stated = re.findall(r"glibc (\d+\.\d+) or newer", readme)
    check(stated, "the README states no glibc floor ('glibc X.Y or newer')")
    check(set(stated) == {floor}, f"the README says glibc {', '.join(sorted(set(stated)))}; the bundle needs {floor}")
    print(f"# glibc floor: {floor}")


# --------------------------------------------------------------------------
# The chroot


def chroot_command() -> list[str] | None:
    """How to enter a chroot here: as root, chroot; else in a user namespace."""
    # Full paths: the programs run with nothing but the CGI variables.
    chroot = shutil.which("chroot") or shutil.which("chroot", path="/usr/sbin:/sbin")
    if chroot is None:
        return None
    if os.geteuid() == 0:
        return [chroot]
    unshare = shutil.which("unshare")
    if unshare:
        r = subprocess.run([unshare, "--user", "--map-root-user", chroot, "/", "/bin/true"], capture_output=True)
        if r.returncode == 0:
            return [unshare, "--user", "--map-root-user", chroot]
    return None


def libc_files() -> list[str]:
    """The files of Debian's libc6 (its shared objects, loader, gconv modules)."""
    r = subprocess.run(["dpkg-query", "-L", "libc6"], capture_output=True, text=True)
    if r.returncode != 0:
        return []
    return [p for p in r.stdout.split("\n") if p.startswith("/") and not p.startswith("/usr/share/")
            and not os.path.isdir(p) and (os.path.islink(p) or os.path.isfile(p))]


def make_chroot(jail: str, files: list[str]) -> None:
    for p in files:
        dest = jail + p
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        if os.path.islink(p):
            os.symlink(os.readlink(p), dest)
        else:
            shutil.copy2(p, dest)


class Jail:
    def __init__(self, enter: list[str], root: str, env_file: str):
        self.enter = enter
        self.root = root
        self.env_file = env_file  # inside the chroot

    def run(self, program: str, env: dict, stdin: bytes = b"", timeout: float = 60,
            proc: bool = False, args: list[str] | None = None) -> subprocess.CompletedProcess:
        """`program` in the chroot; with `proc`, the host's /proc mounted at
        its /proc (in a mount namespace of its own): the dynamic loader finds
        a program's own folder ($ORIGIN) through /proc/self/exe, which every
        Linux host has but an empty chroot does not."""
        command = [program, *(args or [])]
        argv = self.enter + [self.root, *command]
        if proc:
            mount = shutil.which("mount") or "/bin/mount"
            unshare = shutil.which("unshare") or "/usr/bin/unshare"
            userns = ["--user", "--map-root-user"] if self.enter[0].endswith("unshare") else []
            argv = [unshare, *userns, "--mount", "--propagation", "private", "/bin/sh", "-c",
                    '"$1" --rbind /proc "$2/proc" || exit 99; shift 2; exec "$@"',
                    "sh", mount, self.root, self.enter[-1], self.root, *command]
        return subprocess.run(argv, input=stdin, env=env, capture_output=True, timeout=timeout)

    def cgi(self, method: str, uri: str, cookies: dict | None = None, form: dict | None = None) -> "CgiResponse":
        """One request to one page program, as Apache's .htaccess routes it."""
        path = uri.split("?")[0]
        first = path.split("/")[1]  # /register/confirm -> register
        program = f"auth-{first}" if first in ("register", "login", "logout", "profile", "reset") else "auth-home"
        if path.startswith(("/login/passkey", "/profile/passkeys")):
            program = "auth-passkey"
        body = urllib.parse.urlencode(form or {}).encode()
        env = {
            "GATEWAY_INTERFACE": "CGI/1.1", "SERVER_PROTOCOL": "HTTP/1.1", "SERVER_SOFTWARE": "test",
            "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8080", "HTTP_HOST": "127.0.0.1:8080",
            "REMOTE_ADDR": "127.0.0.1", "REQUEST_METHOD": method, "REQUEST_URI": uri,
            "SCRIPT_NAME": f"/cgi/{program}.fcgi", "QUERY_STRING": uri.partition("?")[2],
            "HTTP_USER_AGENT": "test_bundle.py", "AUTH_ENV": self.env_file,
        }
        if cookies:
            env["HTTP_COOKIE"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        if method == "POST":
            env.update(CONTENT_TYPE="application/x-www-form-urlencoded", CONTENT_LENGTH=str(len(body)),
                       HTTP_ORIGIN="http://127.0.0.1:8080")
        # auth-profile and auth-passkey load libraries through $ORIGIN: /proc, as on every host.
        r = self.run(f"/site/htdocs/cgi/{program}.fcgi", env, body if method == "POST" else b"",
                     proc=program in DYNAMIC_PAGES)
        return CgiResponse(r)


class CgiResponse:
    def __init__(self, r: subprocess.CompletedProcess):
        self.exit = r.returncode
        self.stderr = r.stderr.decode(errors="replace")
        head, _, body = r.stdout.replace(b"\r\n", b"\n").partition(b"\n\n")
        self.headers = [tuple(x.strip() for x in line.split(":", 1)) for line in head.decode(errors="replace").split("\n")
                        if ":" in line]
        status = self.header("Status") or "200"
        self.status = int(status.split()[0])
        self.body = body.decode(errors="replace")

    def header(self, name: str) -> str | None:
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def cookies(self) -> dict:
        out = {}
        for k, v in self.headers:
            if k.lower() == "set-cookie":
                name, _, rest = v.partition("=")
                out[name] = rest.split(";")[0]
        return out

    def csrf_field(self) -> str:
        m = re.search(r'name="csrf_token" value="([^"]+)"', self.body)
        check(m, f"no csrf_token field in the page: {self.body[:300]!r}")
        return m.group(1)

    def describe(self) -> str:
        return f"status {self.status}, exit {self.exit}, stderr {self.stderr.strip()[:400]!r}, body {self.body[:200]!r}"


def test_cgi_signup(jail: Jail, state: dict) -> None:
    page = jail.cgi("GET", "/login")
    check(page.exit == 0 and page.status == 200, f"GET /login: {page.describe()}")
    check("<form" in page.body and (page.header("Content-Type") or "").startswith("text/html"), "GET /login: no form")
    browser = page.cookies()
    check(browser.get("csrf"), f"GET /login set no csrf cookie: {page.headers}")

    page = jail.cgi("GET", "/register", browser)
    check(page.status == 200, f"GET /register: {page.describe()}")
    email, password = "bundle@sessionauth.test", "chroot pass phrase 9"
    r = jail.cgi("POST", "/register", browser, {"csrf_token": page.csrf_field(), "name": "Chroot Tester",
                                                "email": email, "password": password, "password_confirm": password})
    # SIGNUP_CONFIRMATION (the default): the account waits for the link.
    check(r.status == 200 and "Check your inbox" in r.body, f"POST /register: {r.describe()}")
    state.update(email=email, password=password)


def test_deliver(jail: Jail, state: dict, smtp) -> None:
    check(state.get("email"), "no sign-up (the test before failed)")
    # MAIL_DELIVERY=cron: the run cron would start, in the chroot.
    r = jail.run("/site/private/bin/sessionauth-deliver", {"AUTH_ENV": jail.env_file, "SSL_CERT_FILE": "/test-ca.pem"},
                 timeout=120, proc=True)
    said = r.stderr.decode(errors="replace")[-600:]
    check(r.returncode == 0, f"sessionauth-deliver: exit {r.returncode}, {said!r}")
    deadline = time.monotonic() + 10
    while not smtp.received and time.monotonic() < deadline:
        time.sleep(0.1)
    check(smtp.received, f"no mail arrived; sessionauth-deliver said {said!r}")
    msg = smtp.received[0]
    check(msg["to"] == [state["email"]], f"mail to {msg['to']}")
    check(msg["tls"] and msg["auth"] == "bundle-user", f"sent without STARTTLS or AUTH: {msg}")
    text = msg["data"].decode(errors="replace").replace("=\r\n", "").replace("=3D", "=")
    link = re.search(r"/register/confirm\?token=([A-Za-z0-9_-]+)", text)
    check(link, f"no sign-up link in the mail: {text[:400]!r}")
    state["token"] = link.group(1)


def test_cgi_login(jail: Jail, state: dict) -> None:
    check(state.get("token"), "no sign-up link (the tests before failed)")
    email, password = state["email"], state["password"]
    # The link, as the browser opens it, and its form.
    page = jail.cgi("GET", "/register/confirm?token=" + state["token"])
    check(page.status == 200, f"GET /register/confirm: {page.describe()}")
    browser = page.cookies()
    r = jail.cgi("POST", "/register/confirm", browser, {"csrf_token": page.csrf_field(), "token": state["token"],
                                                       "password": password})
    check(r.status == 303 and r.cookies().get("sid"), f"POST /register/confirm: {r.describe()}")

    # A login of its own, from a new browser, with GET /login's token.
    page = jail.cgi("GET", "/login")
    browser = page.cookies()
    # The token with its first character changed (to "x", or "y" when it
    # was an "x" already: one token in 64 starts with one).
    token = page.csrf_field()
    damaged = ("y" if token.startswith("x") else "x") + token[1:]
    wrong = jail.cgi("POST", "/login", browser, {"csrf_token": damaged, "email": email, "password": password})
    check(wrong.status == 403 and "sid" not in wrong.cookies(), f"POST /login with a bad CSRF token: {wrong.describe()}")
    r = jail.cgi("POST", "/login", browser, {"csrf_token": page.csrf_field(), "email": email, "password": password})
    check(r.status == 303 and r.cookies().get("sid"), f"POST /login: {r.describe()}")
    browser.update(r.cookies())
    profile = jail.cgi("GET", "/profile", browser)
    check(profile.status == 200 and "Chroot Tester" in profile.body, f"GET /profile after login: {profile.describe()}")
    # auth-passkey (libcbor from cgi/lib/): its page, and a login challenge.
    passkeys = jail.cgi("GET", "/profile/passkeys", browser)
    check(passkeys.status == 200 and "You have no passkeys yet." in passkeys.body,
          f"GET /profile/passkeys: {passkeys.describe()}")
    challenge = jail.cgi("POST", "/login/passkey/challenge", browser, {"csrf_token": passkeys.csrf_field()})
    check(challenge.status == 200 and '{"challenge":"' in challenge.body,
          f"POST /login/passkey/challenge: {challenge.describe()}")


def test_admin(jail: Jail) -> None:
    r = jail.run("/site/private/bin/sessionauth-admin", {"AUTH_ENV": jail.env_file})
    check(r.returncode == 2, f"sessionauth-admin without a command: exit {r.returncode}")
    r = jail.run("/site/private/bin/sessionauth-admin", {"AUTH_ENV": jail.env_file}, args=["migrate"])
    check(r.returncode == 0 and b"schema version" in r.stdout, f"sessionauth-admin migrate: {r.returncode} {r.stdout!r} {r.stderr!r}")
    # The bundle is SQLite only: given a PostgreSQL URL it says so, without the URL.
    r = jail.run("/site/private/bin/sessionauth-admin",
                 {"AUTH_ENV": jail.env_file, "DATABASE_URL": "postgresql://site:s3cret-pw@db.example/site"}, args=["migrate"])
    check(r.returncode == 1 and b"this build cannot use PostgreSQL" in r.stderr and b"s3cret-pw" not in r.stderr + r.stdout,
          f"sessionauth-admin migrate with a DATABASE_URL: {r.returncode} {r.stdout!r} {r.stderr!r}")


class Smtp:
    """aiosmtpd with STARTTLS required and AUTH (PLAIN/LOGIN) only over TLS."""

    def __init__(self, pki: dict):
        import ssl

        import warnings

        from aiosmtpd.controller import Controller
        warnings.filterwarnings("ignore", message="Session.login_data")
        import logging
        logging.getLogger("mail.log").setLevel(logging.ERROR)  # its deprecation notes
        from aiosmtpd.smtp import AuthResult

        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(pki["cert"], pki["key"])
        self.received: list[dict] = []
        outer = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                outer.received.append({"to": envelope.rcpt_tos, "data": envelope.original_content,
                                       "tls": session.ssl is not None,
                                       "auth": session.auth_data.login.decode() if session.authenticated else None})
                return "250 OK"

        def authenticator(server, session, envelope, mechanism, auth_data):
            good = auth_data.login == b"bundle-user" and auth_data.password == b"bundle-secret"
            return AuthResult(success=good, auth_data=auth_data, handled=False)

        from harness import free_port

        self.port = free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port, tls_context=ctx,
                                     require_starttls=True, authenticator=authenticator, auth_required=True,
                                     auth_require_tls=True)
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()


def chroot_tests(args, top: str, work: str) -> None:
    names = ["chroot: GET /login and a sign-up as CGI",
             "chroot: sessionauth-deliver mails the sign-up link (STARTTLS, AUTH PLAIN)",
             "chroot: the link, a login with the CSRF cookie and field, the profile, the passkeys page, as CGI",
             "chroot: sessionauth-admin"]
    enter = chroot_command()
    files = libc_files()
    if enter is None or not files:
        why = "no chroot: neither root nor `unshare --user --map-root-user`" if enter is None else "no dpkg libc6 file list"
        for n in names:
            skipped(n, why)
        return
    from tls_smtp import make_pki

    jail_root = os.path.join(work, "jail")
    os.makedirs(jail_root)
    make_chroot(jail_root, files)
    os.mkdir(os.path.join(jail_root, "proc"))  # empty: see Jail.run
    shutil.copytree(top, os.path.join(jail_root, "bundle"), symlinks=True)
    pki = make_pki(os.path.join(work, "pki"))
    shutil.copy(pki["ca"], os.path.join(jail_root, "test-ca.pem"))
    smtp = Smtp(pki)
    try:
        env_file = os.path.join(work, "site.env")
        with open(env_file, "w") as f:
            f.write("\n".join([
                "SECRET_KEY=" + os.urandom(32).hex(), "BASE_URL=http://127.0.0.1:8080",
                "MAIL_SERVER=127.0.0.1", f"MAIL_PORT={smtp.port}", "MAIL_FROM=noreply@sessionauth.test",
                "MAIL_STARTTLS=True", "MAIL_SSL_TLS=False", "MAIL_USERNAME=bundle-user",
                "MAIL_PASSWORD=bundle-secret", "MAIL_DELIVERY=cron", "ARGON2_OPSLIMIT=2", "ARGON2_MEMLIMIT_KIB=19456",
            ]) + "\n")
        # The bundle's own stage-site.sh (a shell on the machine that stages;
        # nothing in the chroot), with the paths the chroot sees.
        r = subprocess.run([os.path.join(jail_root, "bundle", "stage-site.sh"), "--private-path", "/site/private",
                            os.path.join(jail_root, "site"), env_file], capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            for n in names:
                fail(n, f"stage-site.sh failed: {r.stderr.strip()}")
            return
        jail = Jail(enter, jail_root, "/site/private/sessionauth.env")
        present = sorted(e for e in os.listdir(jail_root))
        print(f"# chroot {jail_root}: {', '.join(present)} ({len(files)} files of libc6)")
        state: dict = {}
        run_test(names[0], test_cgi_signup, jail, state)
        run_test(names[1], test_deliver, jail, state, smtp)
        run_test(names[2], test_cgi_login, jail, state)
        run_test(names[3], test_admin, jail)
    finally:
        smtp.stop()


def main() -> int:
    # The test SMTP server is Debian's python3-aiosmtpd: under Debian's Python.
    try:
        import aiosmtpd  # noqa: F401
    except ImportError:
        if os.path.exists("/usr/bin/python3") and os.path.realpath(sys.executable) != os.path.realpath("/usr/bin/python3"):
            os.execv("/usr/bin/python3", ["/usr/bin/python3", os.path.abspath(__file__)] + sys.argv[1:])
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", required=True, help="the source checkout (README.md, configure.ac)")
    parser.add_argument("--bundle", required=True, help="sessionauth-VERSION-linux-x86_64.tar.gz")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="sessionauth-bundle-")
    os.chmod(work, 0o755)
    try:
        with tarfile.open(args.bundle) as t:
            t.extractall(work, filter="tar") if hasattr(tarfile, "data_filter") else t.extractall(work)
        tops = [e for e in os.listdir(work) if e.startswith("sessionauth-")]
        if len(tops) != 1:
            fail("bundle layout", f"one top folder expected, found {tops}")
        else:
            top = os.path.join(work, tops[0])
            version = version_of(args.root)
            run_test("bundle: name and layout", test_name_and_layout, args.bundle, version, top)
            run_test("bundle: page programs (auth-profile and auth-passkey but for libqrencode and libcbor) and sessionauth-admin fully static", test_static_programs, top)
            run_test("bundle: sessionauth-deliver's libraries in private/lib/ ($ORIGIN)", test_deliver_libraries, top)
            run_test("bundle: the README's glibc floor", test_readme_floor, args.root, top)
            chroot_tests(args, top, work)
    finally:
        if args.keep:
            print(f"# kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
