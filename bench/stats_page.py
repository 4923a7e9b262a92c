"""The statistics page at scale: one `/reports` request after login, through the Flask test
client against a benchmark database (see bench/generate.py); prints the total time and the
slowest SQL statements. A benchmark: it prints figures and asserts nothing.

    .venv/bin/python bench/stats_page.py --database mediation_bench_1m bench_admin /reports
    .venv/bin/python bench/stats_page.py bench_admin '/reports?from=2024-01-01&to=2026-11-27'
    .venv/bin/python bench/stats_page.py bench_officer_T1 /reports
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

# this checkout's `mediation`, not whichever one the virtualenv has installed
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("username")
    parser.add_argument("path", nargs="?", default="/reports")
    parser.add_argument("--database", default="mediation_bench_1m")
    parser.add_argument("--password", default="bench1234")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = f"postgresql://postgres@127.0.0.1:5432/{args.database}"
    os.environ["RATELIMIT_ENABLED"] = "false"

    from sqlalchemy import event

    from mediation import create_app
    from mediation.core.db import engines

    app = create_app("development", SCHEDULER_EMBEDDED=False, WTF_CSRF_ENABLED=False)
    client = app.test_client()
    with app.app_context():
        listened = engines()  # (read-only requests have an engine of their own)
    statements: list[tuple[float, str]] = []

    def before(conn, cursor, statement, params, context, executemany):
        conn.info.setdefault("started", []).append(time.perf_counter())

    def after(conn, cursor, statement, params, context, executemany):
        statements.append((time.perf_counter() - conn.info["started"].pop(), statement))

    for engine in listened:
        event.listen(engine, "before_cursor_execute", before)
        event.listen(engine, "after_cursor_execute", after)
    login = client.post("/login", data={"username": args.username, "password": args.password})
    assert login.status_code == 302, "login failed: is the benchmark database generated?"
    totals = []
    for _ in range(args.repeat):
        statements.clear()
        started = time.perf_counter()
        response = client.get(args.path)
        totals.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
    print(
        f"{args.path} as {args.username}: median {statistics.median(totals) * 1000:.0f} ms "
        f"of {args.repeat} ({', '.join(f'{t * 1000:.0f}' for t in totals)})"
    )
    in_sql = sum(seconds for seconds, _ in statements)
    print(f"last run: {len(statements)} statements, {in_sql * 1000:.0f} ms in SQL")
    print("slowest statements of the last run:")
    for seconds, statement in sorted(statements, reverse=True)[:8]:
        print(f"  {seconds * 1000:8.1f} ms  {' '.join(statement.split())[:160]}")


if __name__ == "__main__":
    main()
