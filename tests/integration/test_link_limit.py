"""The client address and the limit on failed link confirmations: 20
unknown, damaged, expired or used reset and email-change links from one
client address in an hour, then 429 with Retry-After. The server of these
tests trusts the loopback proxy (TRUSTED_PROXIES), so each test names its
own clients with X-Forwarded-For and no other test is held up."""

import secrets

from harness import check, check_status

LIMIT = 20
BAD = "A" * 43  # the shape of a token, but none the site issued


def _server(ctx):
    # The harness raises LINK_FAILURES_PER_HOUR for the other servers (their
    # tests open many bad links from 127.0.0.1); here it is the default's.
    return ctx.shared_server("link-limit", {"TRUSTED_PROXIES": "127.0.0.1, ::1", "LINK_FAILURES_PER_HOUR": str(LIMIT)})


def _client_address(v6: bool = False) -> str:
    if v6:
        return f"2001:db8:{secrets.randbelow(0xffff):x}:{secrets.randbelow(0xffff):x}::{secrets.randbelow(0xffff) + 1:x}"
    return f"198.18.{secrets.randbelow(256)}.{secrets.randbelow(254) + 1}"


def _open(s, path, address, extra_hops=""):
    return s.client().get(f"{path}?token={BAD}", headers={"X-Forwarded-For": f"{extra_hops}{address}"})


def _check_limited(r, what):
    check_status(r, 429, what)
    retry = r.header("Retry-After")
    check(retry is not None and retry.isdigit() and 0 < int(retry) <= 3600, f"{what}: Retry-After {retry!r}")
    check("Too many links" in r.text(), f"{what}: message in {r.text()[-300:]!r}")


def test_link_limit_per_client_address(ctx):
    s = _server(ctx)
    me, neighbour = _client_address(), _client_address()
    for i in range(LIMIT):
        path = "/reset/confirm" if i % 2 else "/profile/email/confirm"
        check_status(_open(s, path, me), 404, f"bad link {i + 1} from {me}")
    _check_limited(_open(s, "/reset/confirm", me), f"link {LIMIT + 1} from {me}")
    _check_limited(_open(s, "/profile/email/confirm", me), f"an email link from {me} after {LIMIT} bad ones")
    # A hop the client wrote itself on the left changes nothing.
    _check_limited(_open(s, "/reset/confirm", me, extra_hops="203.0.113.77, "), "a forged hop on the left")
    check_status(_open(s, "/reset/confirm", neighbour), 404, f"another address ({neighbour}) goes on")


def test_link_limit_counts_ipv6_by_its_64(ctx):
    s = _server(ctx)
    me = _client_address(v6=True)
    prefix = me.rsplit("::", 1)[0]
    for i in range(LIMIT):
        check_status(_open(s, "/reset/confirm", f"{prefix}::{i + 1:x}"), 404, f"bad link {i + 1} from {prefix}::/64")
    _check_limited(_open(s, "/reset/confirm", f"{prefix}:ffff:1:2:3"), "another address of the same /64")
    group = int(prefix.rsplit(":", 1)[1], 16)
    other = prefix.rsplit(":", 1)[0] + f":{(group + 1) % 0xffff:x}::1"
    check_status(_open(s, "/reset/confirm", other), 404, f"the next /64 ({other}) goes on")
