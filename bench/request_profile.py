"""One request, in process, many times: its median time, the SQL statements it runs, and
optionally a cProfile of the Python side. A benchmark helper: it prints figures and asserts
nothing. Use it to see where a list page or a case creation spends its time before loading it
with bench/web.py.

    .venv/bin/python bench/request_profile.py bench_officer_T1 /api/v1/cases?per_page=50
    .venv/bin/python bench/request_profile.py bench_officer_T1 /cases --session --profile
    .venv/bin/python bench/request_profile.py bench_admin /api/v1/cases --post
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import random
import statistics
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("username")
    parser.add_argument("path")
    parser.add_argument("--database", default="mediation_bench_1m")
    parser.add_argument("--password", default="bench1234")
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--session", action="store_true", help="log in through the form")
    parser.add_argument("--post", action="store_true", help="create cases (POST a new case)")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the run")
    parser.add_argument(
        "--explain", action="store_true", help="print EXPLAIN ANALYZE of each statement"
    )
    parser.add_argument(
        "--plans",
        action="store_true",
        help="print the connection's prepared statements with their generic and custom plans",
    )
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = f"postgresql://postgres@127.0.0.1:5432/{args.database}"
    os.environ["RATELIMIT_ENABLED"] = "false"

    from sqlalchemy import event, select

    from mediation import create_app
    from mediation.core.db import engines
    from mediation.extensions import db
    from mediation.orgs.models import Organization

    app = create_app(
        "production" if os.environ.get("SECRET_KEY") else "development",
        SCHEDULER_EMBEDDED=False,
        WTF_CSRF_ENABLED=False,
        CASES_PER_PAGE=50,
    )
    client = app.test_client()
    with app.app_context():
        engine = db.engine
        listened = engines()  # (read-only requests have an engine of their own)
        org_ids = list(db.session.scalars(select(Organization.id)))
    statements: list[list] = []  # [first line, seconds]

    def before(conn, cursor, statement, parameters, *rest):
        statements.append(
            [statement.split("\n")[0][:100], time.perf_counter(), statement, parameters]
        )

    def after(*rest):
        statements[-1][1] = time.perf_counter() - statements[-1][1]

    for one in listened:
        event.listen(one, "before_cursor_execute", before)
        event.listen(one, "after_cursor_execute", after)
    headers = {}
    if args.session:
        login = client.post("/login", data={"username": args.username, "password": args.password})
        assert login.status_code == 302, "login failed: is the benchmark database generated?"
    else:
        answer = client.post(
            "/api/v1/auth/tokens", json={"username": args.username, "password": args.password}
        )
        assert answer.status_code == 201, answer.get_json()
        headers["Authorization"] = f"Bearer {answer.get_json()['token']}"

    def once():
        if args.post:
            body = {  # what bench/web.py's creation scenario sends
                "kind": "dispute",
                "category": "dismissal",
                "title": "bench",
                "workers_involved": int(os.environ.get("WORKERS", 0)) or random.randint(1, 20),
                "enterprise_id": random.randint(1, 10000),
                "handling_org_id": random.choice(org_ids),
            }
            response = client.post(args.path, json=body, headers=headers)
            assert response.status_code == 201, json.dumps(response.get_json())[:400]
        else:
            response = client.get(args.path, headers=headers)
            assert response.status_code == 200, response.status_code
        return response

    for _ in range(5):  # warm up
        statements.clear()
        once()
    print(f"{len(statements)} statements per request (ms, first line):")
    for statement, seconds, *_ in statements:
        print(f"    {seconds * 1000:6.2f}  {statement}")
    if args.explain:
        plans = [(sql, parameters) for _line, _seconds, sql, parameters in statements]
        with engine.connect() as connection:
            for sql, parameters in plans:
                if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
                    continue
                print(sql, parameters, sep="\n")
                plan = connection.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + sql, parameters)
                print("\n".join(row[0] for row in plan), end="\n\n")
    profiler = cProfile.Profile() if args.profile else None
    times = []
    counts = []
    cpu = []  # this process's CPU time: the Python side, without the waits for PostgreSQL
    if profiler:
        profiler.enable()
    for _ in range(args.repeat):
        statements.clear()
        started, started_cpu = time.perf_counter(), time.process_time()
        once()
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
        counts.append(len(statements))
    if profiler:
        profiler.disable()
        stats = pstats.Stats(profiler).sort_stats(os.environ.get("SORT", "cumulative"))
        stats.print_stats(int(os.environ.get("LINES", "45")))
        if os.environ.get("CALLEES"):  # e.g. CALLEES="preprocess_request|pop"
            stats.print_callees(os.environ["CALLEES"])
        if os.environ.get("CALLERS"):  # e.g. CALLERS="astimezone"
            stats.print_callers(os.environ["CALLERS"])
    if args.plans:
        from sqlalchemy import text

        with app.app_context(), listened[-1].connect() as connection:  # the requests' engine
            prepared = connection.execute(
                text(
                    "SELECT generic_plans, custom_plans, left(statement, 90)"
                    " FROM pg_prepared_statements ORDER BY prepare_time"
                )
            ).all()
        print("prepared statements of the connection (generic plans, custom plans, statement):")
        for generic, custom, statement in prepared:
            print(f"    {generic:6d} {custom:6d}  {' '.join(statement.split())}")
    print(
        f"{args.path} as {args.username}: median {statistics.median(times) * 1000:.2f} ms, "
        f"p90 {sorted(times)[int(len(times) * 0.9)] * 1000:.2f} ms over {args.repeat} "
        f"(CPU of this process: median {statistics.median(cpu) * 1000:.2f} ms); "
        f"statements per request: median {statistics.median(counts):g}, "
        f"min {min(counts)}, max {max(counts)}"
    )


if __name__ == "__main__":
    main()
