#!/usr/bin/env python3
"""Checks every #include of src/**/*.cc|hh against the rule of its folder.

    python3 tests/arch/check_layers.py [--src DIR]
    python3 tests/arch/check_layers.py --self-test [--src DIR]

One test per rule of RULES (below, the same lines as the README's "Layout of
the code"), plus one that every source file is in a folder that has a rule.
Each prints "ok   <folder>: <rule>" or "FAIL <folder>: <rule>" followed by
the offending file:line and include, one a line; the last line reads
"N passed, N failed". Exits 1 if a test failed, 2 on a usage error.

Only direct includes count (what a header includes is that header's
folder's business). A quoted include is a project header when its path
starts with a folder of src/ that has a rule, or names a file beside the
including one; any other include is a library, standard or system header,
sorted by LIBRARIES, STANDARD and SYSTEM below; one that none of them knows
counts as a library ("unknown"). A folder of the table that does not exist
(src/store/sqlite/ until it is written) has nothing to check.

--self-test copies src/ to a temporary folder, adds one violation at a time
(SELF_TEST below: at least one per rule) and checks that the rule it breaks
reports it at that file and line, that an include the rules allow is not
reported, and that README.md states every rule word for word.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import tempfile
from dataclasses import dataclass

ANY = "*"  # any project folder, or any library


@dataclass(frozen=True)
class Rule:
    folder: str  # under src/, with a trailing slash; a file belongs to the longest folder that holds it
    says: str  # one line, word for word in the README
    folders: frozenset = frozenset()  # project folders its files may include (ANY: all)
    not_folders: frozenset = frozenset()  # with ANY: but these
    libraries: frozenset = frozenset()  # libraries its files may include (ANY: all); standard and system headers always
    # Libraries whose headers may appear only in the given paths of src/
    # (a path ending in "/" is a folder, else a prefix of a file name);
    # checked over all of src/ and reported by this rule.
    only_in: tuple = ()
    # The same for project folders: (folder, places) -- its headers may be
    # included only in those paths of src/.
    headers_only_in: tuple = ()


def _f(*names):
    return frozenset(names)


RULES = [
    Rule("core/", "core/ headers, the standard library and system headers; of the libraries only libsodium (sodium.h)",
         folders=_f("core/"), libraries=_f("sodium")),
    Rule("store/", "the store interfaces: core/ and store/ headers (not store/sqlite/), no library headers",
         folders=_f("core/", "store/")),
    Rule("store/sqlite/", "the SQLite store: core/, store/ and sqlite3.h, which appears nowhere else; "
                          "no web/, pages/, account/ or mail/",
         folders=_f("core/", "store/", "store/sqlite/"), libraries=_f("sqlite"),
         only_in=(("sqlite", ("store/sqlite/",)),)),
    Rule("store/postgres/", "the PostgreSQL store: core/, store/ and libpq-fe.h, which appears nowhere else; "
                            "no web/, pages/, account/ or mail/",
         folders=_f("core/", "store/", "store/postgres/"), libraries=_f("libpq"),
         only_in=(("libpq", ("store/postgres/",)),)),
    Rule("mail/", "core/, store/ (not store/sqlite/) and mail/; of the libraries only ctemplate",
         folders=_f("core/", "store/", "mail/"), libraries=_f("ctemplate")),
    Rule("webauthn/", "core/ and webauthn/; libcbor, OpenSSL's libcrypto and libsodium; libcbor appears nowhere else, "
                      "its headers only in webauthn/ and account/passkeys.cc",
         folders=_f("core/", "webauthn/"), libraries=_f("cbor", "openssl", "sodium"),
         only_in=(("cbor", ("webauthn/",)),),
         headers_only_in=(("webauthn/", ("webauthn/", "account/passkeys.cc")),)),
    Rule("smtp/", "core/, mail/ and smtp/; libesmtp and OpenSSL, which appear nowhere else (but OpenSSL in webauthn/); "
                  "its own headers only in smtp/ and sessionauth-deliver.cc",
         folders=_f("core/", "mail/", "smtp/"), libraries=_f("libesmtp", "openssl"),
         only_in=(("libesmtp", ("smtp/",)), ("openssl", ("smtp/", "webauthn/"))),
         headers_only_in=(("smtp/", ("smtp/", "programs/sessionauth-deliver.cc")),)),
    Rule("account/", "core/, store/ (not store/sqlite/), mail/, webauthn/ (passkeys.cc only) and account/; of the "
                     "libraries only libsodium; never web/ or pages/",
         folders=_f("core/", "store/", "mail/", "webauthn/", "account/"), libraries=_f("sodium")),
    Rule("web/", "anything in src/ but pages/ and smtp/; fcgiapp.h and fcgio.h only in serve.cc, cgicc only in "
                 "request_parser.cc, ctemplate only in view.*, page_fill.* and frozen_page.* (and mail/), qrencode.h only in qr_svg.cc",
         folders=_f(ANY), not_folders=_f("pages/", "smtp/"), libraries=_f(ANY),
         only_in=(("fcgi", ("web/serve.cc",)), ("cgicc", ("web/request_parser.cc",)),
                  ("ctemplate", ("web/view.", "web/page_fill.", "web/frozen_page.", "mail/")), ("qrencode", ("web/qr_svg.cc",)))),
    Rule("pages/", "core/, account/, web/ and pages/ only; no library headers (SQLite, FastCGI, cgicc, ctemplate, "
                   "libsodium), no store/ or mail/",
         folders=_f("core/", "account/", "web/", "pages/")),
    Rule("programs/", "anything in src/; library headers only where the rules above allow them",
         folders=_f(ANY), libraries=_f(ANY)),
]

# Library -> the include paths that are its headers (a path ending in "/" is
# a folder of them).
LIBRARIES = {
    "sodium": ("sodium.h", "sodium/"),
    "sqlite": ("sqlite3.h", "sqlite3ext.h"),
    "libpq": ("libpq-fe.h", "libpq/", "postgres_ext.h", "pg_config.h"),
    "libesmtp": ("libesmtp.h", "auth-client.h"),
    "openssl": ("openssl/",),
    "ctemplate": ("ctemplate/",),
    "fcgi": ("fcgiapp.h", "fcgio.h", "fcgi_stdio.h", "fcgi_config.h", "fcgios.h", "fcgimisc.h", "fastcgi.h"),
    "cgicc": ("cgicc/",),
    "qrencode": ("qrencode.h",),
    "cbor": ("cbor.h", "cbor/"),
}

# The C++20 standard library (with the C headers as <cxxx> and <xxx.h>).
STANDARD = set("""
algorithm any array atomic barrier bit bitset charconv chrono codecvt compare complex concepts condition_variable
coroutine deque exception execution filesystem format forward_list fstream functional future initializer_list
iomanip ios iosfwd iostream istream iterator latch limits list locale map memory memory_resource mutex new numbers
numeric optional ostream queue random ranges ratio regex scoped_allocator semaphore set shared_mutex source_location
span sstream stack stdexcept stop_token streambuf string string_view strstream syncstream system_error thread tuple
type_traits typeindex typeinfo unordered_map unordered_set utility valarray variant vector version
cassert cctype cerrno cfenv cfloat cinttypes climits clocale cmath csetjmp csignal cstdarg cstddef cstdint cstdio
cstdlib cstring ctime cuchar cwchar cwctype
assert.h ctype.h errno.h fenv.h float.h inttypes.h limits.h locale.h math.h setjmp.h signal.h stdarg.h stddef.h
stdint.h stdio.h stdlib.h string.h time.h uchar.h wchar.h wctype.h
""".split())

# POSIX and Linux system headers (and folders of them).
SYSTEM = set("""
aio.h cpio.h dirent.h dlfcn.h endian.h fcntl.h fnmatch.h getopt.h glob.h grp.h iconv.h ifaddrs.h langinfo.h libgen.h
monetary.h mqueue.h netdb.h nl_types.h paths.h poll.h pthread.h pwd.h regex.h sched.h search.h semaphore.h spawn.h
strings.h syslog.h tar.h termios.h ulimit.h unistd.h utime.h utmpx.h wordexp.h
""".split())
SYSTEM_FOLDERS = ("sys/", "arpa/", "netinet/", "net/", "linux/")

SOURCE_EXTENSIONS = (".cc", ".hh")

# --self-test: (rule folder, file under src/, include line, caught?). The
# file is created if it is not there (store/sqlite/ does not exist yet).
SELF_TEST = [
    ("core/", "core/clock.cc", "#include <openssl/ssl.h>", True),
    ("core/", "core/validate.hh", '#include "store/db.hh"', True),
    ("store/", "store/users.cc", '#include "web/http.hh"', True),
    ("store/", "store/sessions.hh", '#include "store/sqlite/db.hh"', True),
    ("store/", "store/throttle.cc", "#include <ctemplate/template.h>", True),
    ("store/sqlite/", "store/sqlite/self_test.cc", '#include "pages/pages.hh"', True),
    ("store/sqlite/", "account/passwords.cc", "#include <sqlite3.h>", True),
    ("store/postgres/", "store/postgres/self_test.cc", '#include "web/app.hh"', True),
    ("store/postgres/", "web/serve.cc", "#include <libpq-fe.h>", True),
    ("mail/", "mail/mailer.cc", '#include "web/app.hh"', True),
    ("mail/", "mail/outbox.cc", "#include <openssl/ssl.h>", True),
    ("smtp/", "web/app.cc", "#include <libesmtp.h>", True),
    ("smtp/", "programs/auth-home.cc", "#include <openssl/ssl.h>", True),
    ("smtp/", "smtp/tls.cc", '#include "web/app.hh"', True),
    ("smtp/", "programs/auth-login.cc", '#include "smtp/smtp_mailer.hh"', True),
    ("account/", "account/pictures.cc", '#include "pages/fields.hh"', True),
    ("account/", "account/password_policy.cc", "#include <curl/curl.h>", True),
    ("webauthn/", "webauthn/cose.cc", '#include "store/store.hh"', True),
    ("webauthn/", "account/accounts.cc", '#include "webauthn/ceremony.hh"', True),
    ("webauthn/", "pages/login.cc", "#include <cbor.h>", True),
    ("webauthn/", "account/passkeys.cc", '#include "webauthn/cose.hh"', False),
    ("web/", "web/responses.cc", '#include "pages/pages.hh"', True),
    ("web/", "web/app.cc", "#include <fcgiapp.h>", True),
    ("web/", "web/view.cc", "#include <cgicc/Cgicc.h>", True),
    ("web/", "web/csrf.cc", "#include <ctemplate/template.h>", True),
    ("web/", "account/two_factor.cc", "#include <qrencode.h>", True),
    ("pages/", "pages/login.cc", "#include <sqlite3.h>", True),
    ("pages/", "pages/home.cc", '#include "store/users.hh"', True),
    ("pages/", "pages/reset.cc", "#include <sodium.h>", True),
    ("pages/", "pages/email.cc", '#include "mail/mailer.hh"', True),
    ("(every file)", "auth/leftover.cc", '#include "core/log.hh"', True),
    # Allowed: nothing may be reported.
    ("programs/", "programs/auth-home.cc", '#include "store/db.hh"', False),
    ("smtp/", "programs/sessionauth-deliver.cc", '#include "smtp/tls.hh"', False),
    ("core/", "core/clock.cc", "#include <sys/types.h>", False),
    ("web/", "web/view.cc", "#include <ctemplate/template_dictionary.h>", False),
    ("web/", "web/qr_svg.cc", "#include <qrencode.h>", False),
]

COVERAGE = "(every file)"
COVERAGE_SAYS = "every .cc and .hh under src/ is in a folder with a rule"


# --------------------------------------------------------------------------
# Reading includes


@dataclass
class Include:
    path: str  # the source file, relative to src/
    line: int
    text: str  # the include line as written (stripped)
    target: str  # what is included
    quoted: bool
    kind: str = ""  # "project", "library", "standard", "system"
    owner: str = ""  # project: the folder (e.g. "store/"); library: its name

    def where(self) -> str:
        return f"src/{self.path}:{self.line}: {self.text}"


_INCLUDE_RE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


def _code_lines(text: str):
    """(line number, line) with /* */ and // comments blanked."""
    in_block = False
    for n, line in enumerate(text.splitlines(), 1):
        out, i = "", 0
        while i < len(line):
            if in_block:
                end = line.find("*/", i)
                if end < 0:
                    i = len(line)
                else:
                    in_block, i = False, end + 2
            elif line.startswith("/*", i):
                in_block, i = True, i + 2
            elif line.startswith("//", i):
                break
            else:
                out += line[i]
                i += 1
        yield n, out


def folder_of(path: str) -> str | None:
    """The folder of the table that holds `path` (relative to src/): the longest one."""
    best = None
    for rule in RULES:
        if path.startswith(rule.folder) and (best is None or len(rule.folder) > len(best)):
            best = rule.folder
    return best


def _library_of(target: str) -> str | None:
    for name, paths in LIBRARIES.items():
        for p in paths:
            if target == p or (p.endswith("/") and target.startswith(p)):
                return name
    return None


def classify(inc: Include, src: str) -> None:
    t = inc.target
    project = folder_of(t)
    if project is None and inc.quoted:
        beside = os.path.normpath(os.path.join(os.path.dirname(inc.path), t))
        if not beside.startswith("..") and os.path.isfile(os.path.join(src, beside)):
            project = folder_of(beside) or os.path.dirname(beside) + "/"
    if project is not None:
        inc.kind, inc.owner = "project", project
        return
    lib = _library_of(t)
    if lib:
        inc.kind, inc.owner = "library", lib
    elif t in STANDARD:
        inc.kind = "standard"
    elif t in SYSTEM or t.startswith(SYSTEM_FOLDERS):
        inc.kind = "system"
    else:
        inc.kind, inc.owner = "library", "unknown"


def read_sources(src: str) -> tuple[list[str], list[Include]]:
    """Every source file under src (relative paths, sorted) and its includes."""
    files = []
    for dirpath, dirnames, filenames in os.walk(src):
        dirnames.sort()
        for name in sorted(filenames):
            if name.endswith(SOURCE_EXTENSIONS):
                files.append(os.path.relpath(os.path.join(dirpath, name), src).replace(os.sep, "/"))
    includes = []
    for path in files:
        with open(os.path.join(src, path), encoding="utf-8", errors="replace") as f:
            text = f.read()
        for n, line in _code_lines(text):
            m = _INCLUDE_RE.match(line)
            if m:
                inc = Include(path, n, line.strip(), m.group(2).strip(), m.group(1) == '"')
                classify(inc, src)
                includes.append(inc)
    return files, includes


# --------------------------------------------------------------------------
# Checking


def _in(path: str, places) -> bool:
    return any(path.startswith(p) for p in places)


def _places(places) -> str:
    """("web/view.", "mail/") -> "src/web/view.*, src/mail/"."""
    return ", ".join("src/" + p + ("*" if p.endswith(".") else "") for p in places)


def _folder_allowed(rule: Rule, folder: str) -> bool:
    if ANY in rule.folders:
        return folder not in rule.not_folders
    return folder in rule.folders


def _describe(inc: Include) -> str:
    if inc.kind == "project":
        return f"{inc.owner} header"
    return f"library {inc.owner}"


def offences(rule: Rule, includes: list[Include]) -> list[str]:
    """What breaks `rule`: includes of its own files it does not allow, and
    headers of its only_in libraries anywhere else in src/."""
    out = []
    for inc in includes:
        if folder_of(inc.path) == rule.folder:
            if inc.kind == "project" and not _folder_allowed(rule, inc.owner):
                out.append((inc, f"{inc.owner} is not allowed here"))
            elif inc.kind == "library" and ANY not in rule.libraries and inc.owner not in rule.libraries:
                out.append((inc, f"{_describe(inc)} is not allowed here"))
        for lib, places in rule.only_in:
            if inc.kind == "library" and inc.owner == lib and not _in(inc.path, places):
                out.append((inc, f"library {lib} only in {_places(places)}"))
        for folder, places in rule.headers_only_in:
            if inc.kind == "project" and inc.owner == folder and not _in(inc.path, places):
                out.append((inc, f"{folder} headers only in {_places(places)}"))
    seen, lines = set(), []
    for inc, why in sorted(out, key=lambda x: (x[0].path, x[0].line)):
        key = (inc.path, inc.line)
        if key not in seen:
            seen.add(key)
            lines.append(f"{inc.where()}  ({why})")
    return lines


def coverage_offences(files: list[str]) -> list[str]:
    return [f"src/{p}: not in any folder of the table" for p in files if folder_of(p) is None]


def check(src: str) -> list[tuple[str, str, list[str]]]:
    """[(name, rule line, offending lines)] for every rule, then the coverage test."""
    files, includes = read_sources(src)
    results = [(rule.folder, rule.says, offences(rule, includes)) for rule in RULES]
    results.append((COVERAGE, COVERAGE_SAYS, coverage_offences(files)))
    return results


def report(results) -> tuple[int, int]:
    passed = failed = 0
    for name, says, bad in results:
        if bad:
            failed += 1
            print(f"FAIL {name}: {says}")
            for line in bad:
                print(f"       {line}")
        else:
            passed += 1
            print(f"ok   {name}: {says}")
    return passed, failed


# --------------------------------------------------------------------------
# Self-test


def _inject(root: str, path: str, line: str) -> int:
    """Adds `line` at the end of src/`path` (made, with its folder, if need
    be); returns its line number."""
    full = os.path.join(root, path)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    text = ""
    if os.path.exists(full):
        with open(full, encoding="utf-8") as f:
            text = f.read()
    if text and not text.endswith("\n"):
        text += "\n"
    text += line + "\n"
    with open(full, "w", encoding="utf-8") as f:
        f.write(text)
    return text.count("\n")


def self_test(src: str, readme: str | None) -> tuple[int, int]:
    passed = failed = 0

    def result(ok: bool, text: str) -> None:
        nonlocal passed, failed
        if ok:
            passed += 1
            print(f"ok   self-test: {text}")
        else:
            failed += 1
            print(f"FAIL self-test: {text}")

    with tempfile.TemporaryDirectory(prefix="check-layers-") as tmp:
        copy = os.path.join(tmp, "src")
        shutil.copytree(src, copy)
        before = {name: set(bad) for name, _, bad in check(copy)}
        for rule_name, path, line, caught in SELF_TEST:
            full = os.path.join(copy, path)
            existed = os.path.exists(full)
            saved = open(full, encoding="utf-8").read() if existed else None
            made_dir = None if os.path.isdir(os.path.dirname(full)) else os.path.dirname(full)
            n = _inject(copy, path, line)
            try:
                after = {name: set(bad) for name, _, bad in check(copy)}
            finally:
                if existed:
                    with open(full, "w", encoding="utf-8") as f:
                        f.write(saved)
                else:
                    os.remove(full)
                    if made_dir:
                        shutil.rmtree(made_dir)
            new = {name: sorted(after[name] - before.get(name, set())) for name in after}
            here = f"src/{path}:{n}: {line}" if rule_name != COVERAGE else f"src/{path}: "
            if caught:
                hit = [b for b in new.get(rule_name, []) if b.startswith(here)]
                result(bool(hit), f"{rule_name} reports {line} in src/{path}" +
                       ("" if hit else f" (it reported: {new.get(rule_name) or 'nothing new'})"))
            else:
                reported = {k: v for k, v in new.items() if v}
                result(not reported, f"{line} in src/{path} is allowed" +
                       ("" if not reported else f" (but reported: {reported})"))

    if readme is None:
        result(False, "README.md states every rule: no README.md found beside src/")
    else:
        with open(readme, encoding="utf-8") as f:
            text = " ".join(f.read().split())
        missing = [f"{r.folder}: {r.says}" for r in RULES if " ".join(r.says.split()) not in text]
        result(not missing, "README.md states every rule word for word" +
               ("" if not missing else f" (missing: {missing})"))
    return passed, failed


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(os.path.dirname(here))
    parser.add_argument("--src", default=os.path.join(root, "src"), help="the source folder (default: src/ of this checkout)")
    parser.add_argument("--self-test", action="store_true", help="check that the checker catches one violation per rule")
    args = parser.parse_args(argv)
    if not os.path.isdir(args.src):
        print(f"check_layers.py: {args.src} is not a folder", file=sys.stderr)
        return 2
    if args.self_test:
        readme = os.path.join(os.path.dirname(os.path.abspath(args.src)), "README.md")
        passed, failed = self_test(args.src, readme if os.path.isfile(readme) else None)
    else:
        passed, failed = report(check(args.src))
    print(f"{passed} passed, {failed} failed", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
