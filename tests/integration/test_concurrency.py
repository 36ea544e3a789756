"""Many requests at once, and a FastCGI process killed in the middle of them."""

import os
import signal
import threading
import time

from harness import check, check_eq, count_users, login, new_email, new_password, register


def test_same_email_race(ctx):
    s = ctx.server
    email = new_email("race")
    n = 20
    clients = [s.client() for _ in range(n)]
    tokens = [c.get("/register").csrf_token() for c in clients]
    barrier = threading.Barrier(n)
    results: list = [None] * n
    passwords = [new_password() for _ in range(n)]

    def worker(i):
        try:
            barrier.wait(timeout=30)
            r = clients[i].post("/register", {"csrf_token": tokens[i], "name": f"Racer {i}", "email": email,
                                              "password": passwords[i], "password_confirm": passwords[i]})
            results[i] = r.status
        except Exception as e:  # reported below
            results[i] = f"{type(e).__name__}: {e}"

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    check(all(not t.is_alive() for t in threads), "all requests finished")
    bad = [r for r in results if r not in (303, 409)]
    check(not bad, f"answers other than 303/409: {bad}")
    check_eq(results.count(303), 1, f"successful registrations among {results}")
    check_eq(count_users(s, email), 1, "accounts with that email")
    winner = results.index(303)
    login(s.client(), email, passwords[winner])


def test_kill_register_under_load(ctx):
    with ctx.separate_server("sigkill") as s:
        duration, kill_at, threads_n = 4.0, 1.5, 4
        records: list[tuple[str, object, float]] = []  # (email, status or error, finished at)
        lock = threading.Lock()
        stop = threading.Event()
        password = new_password()

        def worker():
            c = s.client()
            c.timeout = 20
            try:
                token = c.get("/register").csrf_token()
            except Exception as e:
                with lock:
                    records.append(("", f"setup: {e}", time.monotonic()))
                return
            while not stop.is_set():
                email = new_email("load")
                try:
                    r = c.post("/register", {"csrf_token": token, "name": "Load Test", "email": email,
                                             "password": password, "password_confirm": password})
                    outcome = r.status
                except Exception as e:
                    outcome = f"{type(e).__name__}: {e}"
                with lock:
                    records.append((email, outcome, time.monotonic()))

        threads = [threading.Thread(target=worker) for _ in range(threads_n)]
        start = time.monotonic()
        for t in threads:
            t.start()
        time.sleep(kill_at)
        pids = s.program_pids("auth-register")
        # As plain CGI a process lives for one request: catch one at work.
        deadline = time.monotonic() + 2
        while not pids and not s.long_lived_programs and time.monotonic() < deadline:
            time.sleep(0.005)
            pids = s.program_pids("auth-register")
        check(pids, "auth-register processes are running under the web server")
        victim = pids[0]
        os.kill(victim, signal.SIGKILL)
        killed_at = time.monotonic()
        time.sleep(max(0.0, duration - (killed_at - start)))
        stop.set()
        for t in threads:
            t.join(timeout=60)
        check(all(not t.is_alive() for t in threads), "all workers finished")

        ok = [e for e, outcome, _ in records if outcome == 303]
        others = [(e, outcome, round(at - killed_at, 2)) for e, outcome, at in records if outcome != 303]
        ctx.note(f"killed auth-register pid {victim} of {pids}; {len(ok)} registered, other answers: {others}")
        check(len(ok) >= 10, f"registrations went through under load ({len(ok)} of {len(records)})")
        check(not [o for o in others if isinstance(o[1], int) and o[1] < 500],
              f"only server errors or broken connections may fail: {others}")
        check(len(others) <= threads_n, f"at most {threads_n} failures (those in flight at the kill): {others}")
        early = [o for o in others if o[2] < -0.5]
        check(not early, f"failures long before the kill: {early}")
        conn = s.db()
        try:
            stored = {row[0] for row in conn.execute("SELECT email FROM users")}
            integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            conn.close()
        lost = [e for e in ok if e not in stored]
        check(not lost, f"answered 303 but not in the database: {lost}")
        check_eq(integrity, "ok", "PRAGMA integrity_check")
        check(victim not in s.program_pids("auth-register"), "the killed process is gone")

        # The site serves registrations again, and logins for what was stored.
        c = s.client()
        email, pw = None, None
        deadline = time.monotonic() + 10
        while True:
            try:
                email, pw = register(c)
                break
            except (AssertionError, OSError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        login(s.client(), email, pw)
        login(s.client(), ok[-1], password)
        if s.long_lived_programs:
            check(s.program_pids("auth-register"), "auth-register runs again")
