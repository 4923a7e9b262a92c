"""Every page of the demo, as every demo user, timed: "no page over 1 s on the demo data".

    .venv/bin/python bench/demo_pages.py                      # a fresh SQLite file
    .venv/bin/python bench/demo_pages.py --database test      # PostgreSQL (emptied first)

Builds the schema from the migrations in a fresh database, loads the demo (`flask demo load`),
then for each demo login signs in and walks the site from the dashboard: every same-site link
of every page it reaches (GET only; no sign-out, no file downloads), up to --pages pages per
user, each page requested --repeat times in process (the Flask test client: the server's time,
no network). Prints per user the pages walked, the slowest pages with their median, and every
page over the limit. Not a test: nothing asserts a time (docs/performance.md).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from collections import deque
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

HREF = re.compile(r'href="([^"#][^"]*)"')
# links that change state or leave the page walk: signing out, the language switch, downloads
SKIP = re.compile(
    r"^/(logout|static/|api/|lang/)|/(export|download|attachments/\d+$)|\.(xlsx|csv|pdf|ics)\b"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", help="a PostgreSQL database on 127.0.0.1 (emptied)")
    parser.add_argument("--pages", type=int, default=400, help="pages walked per user")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--limit", type=float, default=1.0, help="seconds")
    parser.add_argument("--show", type=int, default=8, help="slowest pages shown per user")
    args = parser.parse_args()

    instance = tempfile.mkdtemp(prefix="demo-pages-")
    os.environ["MEDIATION_INSTANCE_PATH"] = instance
    if args.database:
        url = f"postgresql://postgres@127.0.0.1:5432/{args.database}"
    else:
        url = f"sqlite:///{instance}/demo.sqlite"
    os.environ["DATABASE_URL"] = url

    from flask_migrate import upgrade
    from sqlalchemy import MetaData

    from mediation import create_app
    from mediation.demo import demo_logins, load_demo
    from mediation.extensions import db

    app = create_app(
        "development",
        SCHEDULER_EMBEDDED=False,
        WTF_CSRF_ENABLED=False,
        RATELIMIT_ENABLED=False,
        SQLALCHEMY_DATABASE_URI=url,
    )
    with app.app_context():
        if args.database:
            meta = MetaData()
            meta.reflect(db.engine)
            meta.drop_all(db.engine)
            with db.engine.begin() as conn:
                conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        upgrade(directory=str(ROOT / "migrations"))
        started = time.perf_counter()
        load_demo()
        print(f"demo loaded in {time.perf_counter() - started:.1f} s ({url.split(':')[0]})")
        logins = demo_logins()

    over: list[tuple[str, str, float]] = []
    for username, role, org in logins:
        client = app.test_client()
        answer = client.post("/login", data={"username": username, "password": "demo1234"})
        if answer.status_code != 302:
            print(f"{username}: sign-in failed ({answer.status_code})")
            continue
        timings = walk(client, args.pages, args.repeat)
        slowest = sorted(timings.items(), key=lambda kv: kv[1], reverse=True)
        print(f"\n{username} ({role}, {org}): {len(timings)} pages, "
              f"median {statistics.median(timings.values()) * 1000:.0f} ms")  # fmt: skip
        for path, seconds in slowest[: args.show]:
            print(f"  {seconds * 1000:7.0f} ms  {path}")
        over += [(username, p, s) for p, s in slowest if s > args.limit]
    print(f"\npages over {args.limit:.1f} s: {len(over)}")
    for username, path, seconds in over:
        print(f"  {seconds:6.2f} s  {username}  {path}")


def kind_of(path: str) -> str:
    """The page's kind: its path with the numbers taken out, and the names of its query."""
    parts = urlsplit(path)
    keys = sorted({pair.split("=")[0] for pair in parts.query.split("&") if pair})
    return re.sub(r"\d+", "N", parts.path) + "?" + "&".join(keys)


def walk(client, pages: int, repeat: int, per_kind: int = 3) -> dict[str, float]:
    """Breadth first from the dashboard, at most `per_kind` pages of each kind (so every kind
    of page is reached before the budget goes on case pages); the median of `repeat` requests
    per page."""
    kinds: dict[str, int] = {}
    seen = {"/"}
    queue = deque(["/"])
    timings: dict[str, float] = {}
    while queue and len(timings) < pages:
        path = queue.popleft()
        times = []
        response = None
        for _ in range(repeat):
            started = time.perf_counter()
            response = client.get(path)
            times.append(time.perf_counter() - started)
        assert response is not None
        if response.status_code != 200 or "text/html" not in response.content_type:
            continue
        timings[path] = statistics.median(times)
        for href in HREF.findall(response.get_data(as_text=True)):
            target = urldefrag(urljoin(path, href.replace("&amp;", "&")))[0]
            parts = urlsplit(target)
            if parts.netloc or SKIP.search(parts.path):
                continue
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            if target not in seen and kinds.get(kind_of(target), 0) < per_kind:
                seen.add(target)
                kinds[kind_of(target)] = kinds.get(kind_of(target), 0) + 1
                queue.append(target)
    return timings


if __name__ == "__main__":
    main()
