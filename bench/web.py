"""Web benchmarks: the case list (page and API), case creation, memory. Prints figures.

    .venv/bin/pip install -e '.[bench]'          # gunicorn
    apt-get install -y wrk                       # the load generator (a separate process)
    .venv/bin/python bench/generate.py --cases 100000 --database mediation_bench_100k --create
    .venv/bin/python bench/web.py --database mediation_bench_100k

Serves `bench.wsgi_bench:app` (the app in production configuration, plus a bare Flask JSON
endpoint under /bare/) with gunicorn, 2 sync workers, and hits it with wrk, 8 connections on
2 threads, for --duration seconds per scenario; every round runs every scenario once (so noise
spreads over all of them) and the table shows medians over --repeat rounds: each scenario's
requests per second, also as a ratio to the bare endpoint's, and the CPU the web workers and
the local PostgreSQL spent per request (read from /proc around each run). The list scenarios
ask for 50 cases a page (CASES_PER_PAGE=50 for the page) as a town officer (scope = the town's
subtree, a tenth of the cases) and as the administrator, in the default order and in two of
the other sorts (by number for the officer, most workers for the administrator). Then case creation through the API
(8 connections, each request a new case, as the administrator, in one of the 111
organizations at random, with the immediate rule evaluation), the RSS of each web worker after
the load and of a `flask scheduler run` process after its first sweep. On a server with
autovacuum off, it first vacuums `cases` if autovacuum would have by then (and says so). Not a
test: nothing asserts a time.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import requests

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PASSWORD = "bench1234"
# Flask-Login's session protection ties a session to the client's address and User-Agent: the
# login and wrk send the same one
UA = {"User-Agent": "mediation-bench"}


def env_for(url: str) -> dict:
    env = dict(os.environ)
    env.update(
        MEDIATION_ENV="production",
        SECRET_KEY="bench-secret-key-not-for-production",
        DATABASE_URL=url,
        SCHEDULER_EMBEDDED="false",
        CASES_PER_PAGE="50",
        RATELIMIT_ENABLED="false",
        MEDIATION_INSTANCE_PATH=tempfile.mkdtemp(prefix="mediation-bench-"),
    )
    return env


def start_gunicorn(url: str, port: int, workers: int, threads: int = 1) -> subprocess.Popen:
    proc = subprocess.Popen(
        [str(BIN / "gunicorn"), "-w", str(workers), "--threads", str(threads),
         "-b", f"127.0.0.1:{port}", "--log-level", "warning", "bench.wsgi_bench:app"],
        cwd=ROOT, env=env_for(url),
    )  # fmt: skip
    for _ in range(100):
        try:
            if requests.get(f"http://127.0.0.1:{port}/bare/", timeout=1).ok:
                return proc
        except requests.RequestException:
            pass
        time.sleep(0.2)
    proc.terminate()
    raise SystemExit("gunicorn did not start")


def api_token(base: str, username: str) -> str:
    r = requests.post(
        f"{base}/api/v1/auth/tokens", json={"username": username, "password": PASSWORD}, timeout=10
    )
    r.raise_for_status()
    return r.json()["token"]


def session_cookie(base: str, username: str) -> str:
    """Log in through the form. The production cookies are Secure, which an HTTP client does
    not send back over plain HTTP: carry them by hand."""
    first = requests.get(f"{base}/login", headers=UA, timeout=10)
    token = re.search(r'name="csrf_token" value="([^"]+)"', first.text).group(1)
    cookie = "; ".join(f"{c.name}={c.value}" for c in first.cookies)
    r = requests.post(
        f"{base}/login",
        data={"csrf_token": token, "username": username, "password": PASSWORD},
        headers={"Cookie": cookie, **UA},
        allow_redirects=False,
        timeout=10,
    )
    assert r.status_code in (302, 303), r.status_code
    cookies = {c.name: c.value for c in r.cookies}
    # the first page after signing in puts the forms' CSRF token in the session and sends the
    # cookie anew; a browser keeps the new one. With the login's cookie, every request would
    # make a token and send the cookie again, which no browser's session does.
    cookie = "; ".join(f"{name}={value}" for name, value in cookies.items())
    first_page = requests.get(f"{base}/cases", headers={"Cookie": cookie, **UA}, timeout=30)
    assert first_page.ok, first_page.status_code
    cookies.update({c.name: c.value for c in first_page.cookies})
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0}


def cpu_seconds(pids) -> float:
    """User and system CPU seconds the processes have used so far."""
    total = 0
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:  # ended meanwhile
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def postgres_pids() -> list[int]:
    """The local PostgreSQL's processes (the server and its backends)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    pids.append(int(entry.name))
            except OSError:
                pass
    return pids


# the gunicorn master's pid, once started: wrk() also reports its workers' CPU per request
SERVER: dict[str, int] = {}


def wrk(url: str, headers: dict, seconds: int, connections: int, script: str | None = None):
    """One wrk run: requests per second, p50 and p99, errors, and the CPU that the web workers
    and PostgreSQL (when it runs on this machine) spent per request during the run."""
    workers = children(SERVER["pid"]) if "pid" in SERVER else []
    database = postgres_pids()
    cpu_before = cpu_seconds(workers), cpu_seconds(database)
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    for k, v in {**UA, **headers}.items():
        cmd += ["-H", f"{k}: {v}"]
    if script:
        cmd += ["-s", script]
    out = subprocess.run(cmd + [url], capture_output=True, text=True, check=True).stdout
    web_cpu = cpu_seconds(workers) - cpu_before[0]
    db_cpu = cpu_seconds(database) - cpu_before[1]
    done = int(re.search(r"(\d+) requests in", out).group(1))

    def latency(pct: str) -> float:
        value, unit = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()
        return float(value) * UNITS[unit]

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = (int(bad.group(1)) if bad else 0) + (sum(map(int, socket.groups())) if socket else 0)
    drain(url)
    return {
        "rps": rps, "p50": latency("50"), "p99": latency("99"), "errors": errors,
        "web_ms": web_cpu * 1000 / max(done, 1), "db_ms": db_cpu * 1000 / max(done, 1),
    }  # fmt: skip


def drain(url: str) -> None:
    """Wait until the workers have finished the requests wrk left queued (slow scenarios leave
    some), so they do not count against the next scenario."""
    bare = url.split("/", 3)[:3]
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        start = time.monotonic()
        requests.get("/".join(bare) + "/bare/", timeout=120)
        if time.monotonic() - start < 0.05:
            return


def vacuum_as_autovacuum_would(url: str) -> None:
    """On a server with autovacuum off (this machine kind's PostgreSQL), vacuum each table
    that production's autovacuum would have vacuumed by now, given its settings (PostgreSQL's
    defaults: after 1,000 + 20% new rows or 50 + 20% changed ones; `cases`, migration
    5e2d7b9c1a40: after 1,000 new cases or 1% of its rows changed). Otherwise the lists are
    measured with every row the earlier creation runs added (cases, their alerts) on pages the
    visibility map does not mark as visible to all, so that index-only scans visit those rows
    (docs/performance.md, "Vacuum and the visibility map"). Prints what it did."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        if conn.execute("SHOW autovacuum").fetchone()[0] == "on":
            return
        tables = conn.execute(
            "SELECT s.relname, s.n_ins_since_vacuum, s.n_dead_tup, s.n_live_tup,"
            " coalesce(c.reloptions, '{}') FROM pg_stat_user_tables s"
            " JOIN pg_class c ON c.oid = s.relid ORDER BY s.relname"
        ).fetchall()
        for table, inserted, dead, rows, reloptions in tables:
            options = dict(option.split("=", 1) for option in reloptions)
            insert_threshold = (
                int(options.get("autovacuum_vacuum_insert_threshold", 1000))
                + float(options.get("autovacuum_vacuum_insert_scale_factor", 0.2)) * rows
            )
            dead_threshold = (
                int(options.get("autovacuum_vacuum_threshold", 50))
                + float(options.get("autovacuum_vacuum_scale_factor", 0.2)) * rows
            )
            if inserted > insert_threshold or dead > dead_threshold:
                started = time.monotonic()
                conn.execute(f'VACUUM "{table}"')
                print(f"autovacuum is off on this server: vacuumed `{table}` as it would have"
                      f" ({inserted:,} rows added and {dead:,} dead since its last vacuum;"
                      f" {time.monotonic() - started:.1f} s)")  # fmt: skip


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def children(pid: int) -> list[int]:
    return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


CREATE_LUA = """
math.randomseed(os.time())
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local n = 0
local orgs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}
for g = 101, 200 do orgs[#orgs + 1] = g end
request = function()
  n = n + 1
  local body = string.format(
    '{"kind": "dispute", "category": "dismissal", "title": "bench %%d", "workers_involved": %%d,'
    .. ' "enterprise_id": %%d, "handling_org_id": %%d}',
    n, math.random(1, 20), math.random(1, %d), orgs[math.random(#orgs)])
  return wrk.format(nil, nil, nil, body)
end
"""


def cpu_column(runs: list[dict]) -> str:
    """Median CPU per request of the web workers and of PostgreSQL."""
    web = statistics.median(r["web_ms"] for r in runs)
    database = statistics.median(r["db_ms"] for r in runs)
    return f"{web:>8.3f} {database:>7.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="mediation_bench_100k")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--threads", type=int, default=1, help="threads per worker (more than 1: gthread)"
    )
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--duration", type=int, default=8, help="seconds per wrk run")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--town", default="T1", help="code of the town officer's organization")
    parser.add_argument("--skip-create", action="store_true")
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--only", default="", help="comma-separated scenario names")
    args = parser.parse_args()

    url = f"postgresql://postgres@{args.host}:5432/{args.database}"
    base = f"http://127.0.0.1:{args.port}"
    vacuum_as_autovacuum_would(url)
    server = start_gunicorn(url, args.port, args.workers, args.threads)
    SERVER["pid"] = server.pid
    try:
        officer = f"bench_officer_{args.town}"
        api_officer = {"Authorization": f"Bearer {api_token(base, officer)}"}
        api_admin = {"Authorization": f"Bearer {api_token(base, 'bench_admin')}"}
        page_officer = {"Cookie": session_cookie(base, officer)}
        q = quote("企业00001")
        scenarios = {
            "bare": (f"{base}/bare/", {}),
            "api default (officer)": (f"{base}/api/v1/cases?per_page=50", api_officer),
            "api default (admin)": (f"{base}/api/v1/cases?per_page=50", api_admin),
            "api state+level": (
                f"{base}/api/v1/cases?per_page=50&state=mediating&level=orange", api_officer),
            "api page 20": (f"{base}/api/v1/cases?per_page=50&page=20", api_officer),
            "api text search": (f"{base}/api/v1/cases?per_page=50&q={q}", api_officer),
            "api by number (officer)": (
                f"{base}/api/v1/cases?per_page=50&sort=-number", api_officer),
            "api most workers (admin)": (
                f"{base}/api/v1/cases?per_page=50&sort=-workers_involved", api_admin),
            "page default (officer)": (f"{base}/cases", page_officer),
            "page state+level": (f"{base}/cases?state=mediating&level=orange", page_officer),
        }  # fmt: skip
        if args.only:
            keep = {"bare", *args.only.split(",")}
            scenarios = {k: v for k, v in scenarios.items() if k in keep}
        for name, (target, headers) in scenarios.items():  # each answers 200, not a redirect
            r = requests.get(target, headers={**UA, **headers}, allow_redirects=False, timeout=60)
            assert r.status_code == 200, (name, r.status_code)
        for target, headers in scenarios.values():  # warm up each worker's caches
            wrk(target, headers, 1, args.connections)
        results: dict[str, list[dict]] = {name: [] for name in scenarios}
        for _ in range(args.repeat):
            for name, (target, headers) in scenarios.items():
                results[name].append(wrk(target, headers, args.duration, args.connections))
        bare_rps = statistics.median(r["rps"] for r in results["bare"])
        cases = requests.get(f"{base}/api/v1/cases?per_page=1", headers=api_admin, timeout=60)
        print(f"\n{args.database}: {cases.json()['total']:,} cases visible to the administrator"
              f" (capped: {cases.json().get('total_is_capped', False)}); gunicorn -w {args.workers} --threads {args.threads},"
              f" wrk -t2 -c{args.connections} -d{args.duration}s, medians of {args.repeat} runs")  # fmt: skip
        print(f"{'scenario':<24} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'vs bare':>8}"
              f" {'errors':>7} {'web cpu':>8} {'db cpu':>7}  (CPU: ms per request)")  # fmt: skip
        for name, runs in results.items():
            rps = statistics.median(r["rps"] for r in runs)
            print(f"{name:<24} {rps:>8.1f} {statistics.median(r['p50'] for r in runs):>8.2f}"
                  f" {statistics.median(r['p99'] for r in runs):>8.2f} {rps / bare_rps if bare_rps else 0:>7.1%}"
                  f" {sum(r['errors'] for r in runs):>7} {cpu_column(runs)}")  # fmt: skip

        if bare_rps:
            budget = (os.cpu_count() or 1) * 1000 / (0.1 * bare_rps)
            print(f"10% of the bare endpoint is {0.1 * bare_rps:.0f} req/s: with every core busy,"
                  f" {budget:.2f} ms of CPU per request for everything (workers, PostgreSQL,"
                  f" wrk, the kernel) on these {os.cpu_count()} cores")  # fmt: skip

        if not args.skip_create:
            enterprises = requests.get(
                f"{base}/api/v1/enterprises?per_page=1", headers=api_admin, timeout=60
            ).json()["total"]
            with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
                lua.write(CREATE_LUA % min(enterprises, 10000))
            runs = [wrk(f"{base}/api/v1/cases", api_admin, args.duration, args.connections,
                        lua.name) for _ in range(args.repeat)]  # fmt: skip
            os.unlink(lua.name)
            print(f"{'create case (API)':<24} {statistics.median(r['rps'] for r in runs):>8.1f}"
                  f" {statistics.median(r['p50'] for r in runs):>8.2f}"
                  f" {statistics.median(r['p99'] for r in runs):>8.2f} {'':>8}"
                  f" {sum(r['errors'] for r in runs):>7} {cpu_column(runs)}")  # fmt: skip

        if not args.skip_memory:
            workers = children(server.pid)
            print("RSS of the web workers after the load: "
                  + ", ".join(f"{rss_mb(p):.0f} MB" for p in workers))  # fmt: skip
    finally:
        server.terminate()
        server.wait(timeout=30)

    if not args.skip_memory:
        scheduler = subprocess.Popen(
            [str(BIN / "flask"), "--app", "wsgi", "scheduler", "run"],
            cwd=ROOT, env=env_for(url), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            time.sleep(75)  # the first sweep runs within a minute
            print(
                f"RSS of `flask scheduler run` after 75 s (one sweep): {rss_mb(scheduler.pid):.0f} MB"
            )
        finally:
            scheduler.terminate()
            scheduler.wait(timeout=30)


if __name__ == "__main__":
    main()
