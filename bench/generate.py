"""Bulk data for the web benchmarks: N cases with their hash-chained timelines and alerts.

    createdb -h 127.0.0.1 -U postgres mediation_bench_100k      # or let --create do it
    .venv/bin/python bench/generate.py --cases 100000 --database mediation_bench_100k --create

Builds the schema with the migrations (`flask db upgrade`, so the benchmark sees the real
indexes), then writes with PostgreSQL COPY: one city, 10 towns, 100 grassroots unions; an
administrator, an officer and a mediator per town and for the city, 50 advocates (password
`bench1234`, usernames `bench_admin`, `bench_officer_T1`, `bench_mediator_T1`, …); N/5
enterprises (about five cases each); N cases received over the last three years (older cases
mostly closed, recent ones open), kinds, categories, head-counts, claim amounts, channels, a
warning level on about a third of the open cases with its alert, an advocate on one case in ten;
and every case's timeline (created, each transition, its alerts) as a valid hash chain, so
`flask --app wsgi audit verify` passes. The case-number counters are set past the generated
numbers, so cases created afterwards through the API get fresh numbers.

1,000,000 cases (about 3.9 million events) take a few minutes on 2 cores. Not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psycopg  # noqa: E402
from werkzeug.security import generate_password_hash  # noqa: E402

from mediation.cases.models import GENESIS_HASH, event_hash  # noqa: E402

PASSWORD = "bench1234"
TOWNS = 10
GRASSROOTS_PER_TOWN = 10
ADVOCATES = 50
CHUNK = 20_000

KINDS = [("dispute", 0.6), ("arrears", 0.4)]
CATEGORIES = [
    ("remuneration", 0.35), ("dismissal", 0.14), ("termination", 0.06), ("social_insurance", 0.12),
    ("contract", 0.1), ("injury_compensation", 0.06), ("compensation", 0.02),
    ("employment_relationship", 0.06), ("working_conditions", 0.05), ("other", 0.04),
]  # fmt: skip
CHANNELS = [("walk_in", 0.4), ("hotline", 0.25), ("online", 0.15), ("advocate", 0.1),
            ("referral", 0.05), ("inspection", 0.05)]  # fmt: skip
LEVELS = [("blue", 0.45), ("yellow", 0.3), ("orange", 0.17), ("red", 0.08)]
LEVEL_TIER = {"blue": "grassroots", "yellow": "grassroots", "orange": "town", "red": "city"}
LEVEL_RULE = {"blue": "mediation_due_soon", "yellow": "arrears_duration",
              "orange": "mediation_overdue", "red": "major_collective"}  # fmt: skip
# the lifecycle of a case as (trigger, from, to) steps, by final state
PATHS = {
    "reported": [],
    "accepted": [("accept", "reported", "accepted")],
    "mediating": [("accept", "reported", "accepted"), ("begin_mediation", "accepted", "mediating")],
    "agreement": [("accept", "reported", "accepted"), ("begin_mediation", "accepted", "mediating"),
                  ("record_agreement", "mediating", "agreement")],
    "failed": [("accept", "reported", "accepted"), ("begin_mediation", "accepted", "mediating"),
               ("fail_mediation", "mediating", "failed")],
    "referred": [("accept", "reported", "accepted"), ("begin_mediation", "accepted", "mediating"),
                 ("fail_mediation", "mediating", "failed"), ("refer", "failed", "referred")],
    "closed": [("accept", "reported", "accepted"), ("begin_mediation", "accepted", "mediating"),
               ("record_agreement", "mediating", "agreement"),
               ("confirm_performance", "agreement", "closed")],
}  # fmt: skip
OUTCOME = {"closed": "agreement_performed"}


def weighted(rng: random.Random, table: list[tuple[str, float]]) -> str:
    return rng.choices([v for v, _ in table], [w for _, w in table])[0]


def final_state(rng: random.Random, age_days: float) -> str:
    if age_days > 90:
        table = [("closed", 0.86), ("referred", 0.06), ("agreement", 0.04), ("failed", 0.02),
                 ("mediating", 0.02)]  # fmt: skip
    elif age_days > 15:
        table = [("closed", 0.45), ("mediating", 0.2), ("agreement", 0.15), ("referred", 0.1),
                 ("failed", 0.05), ("accepted", 0.05)]  # fmt: skip
    else:
        table = [("reported", 0.3), ("accepted", 0.3), ("mediating", 0.3), ("closed", 0.1)]
    return weighted(rng, table)


def base_url(args) -> str:
    return f"postgresql://{args.user}@{args.host}:{args.port}"


def create_database(args) -> None:
    with psycopg.connect(f"{base_url(args)}/{args.admin_database}", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{args.database}"')
        conn.execute(f'CREATE DATABASE "{args.database}"')


def migrate(url: str) -> None:
    import flask_migrate

    from mediation import create_app

    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        flask_migrate.upgrade()
        from mediation.extensions import db

        db.engine.dispose()


def generate(conn: psycopg.Connection, n: int, seed: int) -> dict:
    rng = random.Random(seed)
    now = datetime.now(UTC).replace(microsecond=0)
    password_hash = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
    cur = conn.cursor()

    # organizations: 1 city, towns 2..11, grassroots 101..200 (ten per town)
    orgs = [(1, "C", "江川市总工会", "city", None)]
    orgs += [(1 + t, f"T{t}", f"第{t}镇工会", "town", 1) for t in range(1, TOWNS + 1)]
    for t in range(1, TOWNS + 1):
        for g in range(1, GRASSROOTS_PER_TOWN + 1):
            gid = 100 + (t - 1) * GRASSROOTS_PER_TOWN + g
            orgs.append((gid, f"G{t}-{g}", f"第{t}镇第{g}基层工会", "grassroots", 1 + t))
    org_by_id = {o[0]: o for o in orgs}
    with cur.copy("COPY organizations (id, code, name, tier, parent_id) FROM STDIN") as copy:
        for row in orgs:
            copy.write_row(row)
    cur.execute("SELECT setval(pg_get_serial_sequence('organizations', 'id'), 1000)")

    def town_of(org_id: int) -> int:
        org = org_by_id[org_id]
        return org_id if org[3] != "grassroots" else org[4]

    users = []
    uid = 0

    def add_user(username, role, org_id):
        nonlocal uid
        uid += 1
        users.append((uid, username, username, password_hash, role, org_id,
                      f"{username}@bench.local", "zh_Hans_CN", True, now))  # fmt: skip
        return uid

    add_user("bench_admin", "admin", 1)
    officers, mediators = {}, {}
    for org in orgs:
        if org[3] in ("city", "town"):
            officers[org[0]] = add_user(f"bench_officer_{org[1]}", "officer", org[0])
            mediators[org[0]] = add_user(f"bench_mediator_{org[1]}", "mediator", org[0])
    advocates = [
        add_user(f"bench_advocate_{i}", "advocate", 2 + i % TOWNS) for i in range(ADVOCATES)
    ]
    with cur.copy(
        "COPY users (id, username, display_name, password_hash, role, organization_id, email,"
        " locale, active, created_at) FROM STDIN"
    ) as copy:
        for row in users:
            copy.write_row(row)
    cur.execute("SELECT setval(pg_get_serial_sequence('users', 'id'), 100000)")

    grassroots = [o[0] for o in orgs if o[3] == "grassroots"]
    n_enterprises = max(100, n // 5)
    ent_org = {}
    with cur.copy(
        "COPY enterprises (id, name, credit_code, organization_id, ownership, has_union,"
        " created_at) FROM STDIN"
    ) as copy:
        for e in range(1, n_enterprises + 1):
            org_id = rng.choice(grassroots)
            ent_org[e] = org_id
            copy.write_row((e, f"企业{e:07d}有限公司", f"91{e:016d}", org_id,
                            rng.choice(["private", "state", "foreign"]), rng.random() < 0.3,
                            now - timedelta(days=1200)))  # fmt: skip
    cur.execute("SELECT setval(pg_get_serial_sequence('enterprises', 'id'), %s)", (n_enterprises,))

    counters: dict[tuple[int, int], int] = {}
    received = sorted(now - timedelta(seconds=rng.uniform(0, 3 * 365 * 86400)) for _ in range(n))
    case_cols = ("id, number, kind, category, enterprise_id, worker_name, workers_involved,"
                 " is_migrant, is_construction, title, description, claim_amount_fen,"
                 " arrears_months, channel, received_at, owner_absconded, incident_in_progress,"
                 " state, state_changed_at, handling_org_id, mediator_id, tier, warning_level,"
                 " created_by_id, outcome, closed_at, version, event_seq, next_check_at,"
                 " created_at, updated_at, accepted_at, agreed_at, first_town_alert_at,"
                 " first_city_alert_at, mediation_ended_at")  # fmt: skip
    event_cols = ("case_id, seq, at, actor_id, kind, from_state, to_state, trigger, body, data,"
                  " hash")  # fmt: skip
    alert_cols = "id, case_id, rule, level, target_tier, target_org_id, status, raised_at"
    totals = {"cases": 0, "events": 0, "alerts": 0, "advocates": 0}
    case_id = 0
    alert_id = 0
    for start in range(0, n, CHUNK):
        cases, events, alerts, assigned = [], [], [], []
        for at in received[start : start + CHUNK]:
            case_id += 1
            enterprise = rng.randint(1, n_enterprises)
            roll = rng.random()
            org_id = (ent_org[enterprise] if roll < 0.7 else
                      town_of(ent_org[enterprise]) if roll < 0.95 else 1)  # fmt: skip
            org = org_by_id[org_id]
            year = (at + timedelta(hours=8)).year
            seq = counters[(org_id, year)] = counters.get((org_id, year), 0) + 1
            number = f"{org[1]}-{year}-{seq:05d}"
            kind = weighted(rng, KINDS)
            category = "remuneration" if kind == "arrears" else weighted(rng, CATEGORIES)
            workers = 1 if rng.random() < 0.8 else rng.choice([2, 3, 5, 8, 12, 30, 60])
            age = (now - at).total_seconds() / 86400
            state = final_state(rng, age)
            officer = officers[town_of(org_id)] if org[3] != "city" else officers[1]
            mediator = mediators[town_of(org_id)] if org[3] != "city" else mediators[1]
            title = f"{'欠薪' if kind == 'arrears' else '劳动争议'} {number} 工人{case_id % 997}"
            # the timeline
            chain = [("created", None, "reported", None, title,
                      {"number": number, "enterprise_id": enterprise})]  # fmt: skip
            for trigger, frm, to in PATHS[state]:
                chain.append(("transition", frm, to, trigger, None, None))
            level = None
            if state not in ("closed",) and rng.random() < 0.33:
                level = weighted(rng, LEVELS)
                rule = LEVEL_RULE[level]
                target_tier = LEVEL_TIER[level]
                target = {"grassroots": org_id if org[3] == "grassroots" else town_of(org_id),
                          "town": town_of(org_id) if org_id != 1 else 1, "city": 1}[target_tier]  # fmt: skip
                alert_id += 1
                alerts.append((alert_id, case_id, rule, level, target_tier, target,
                               "open" if rng.random() < 0.7 else "acknowledged"))  # fmt: skip
                chain.append(("alert", None, None, None, f"预警：{rule}",
                              {"action": "预警", "alert_id": alert_id, "rule": rule, "level": level,
                               "target_tier": target_tier}))  # fmt: skip
            step = min(86400.0, max(60.0, (now - at).total_seconds() / (len(chain) + 1)))
            previous = GENESIS_HASH
            t = at
            moments: dict[str, datetime] = {}  # the first accept and agreement, as the app does
            for seq_no, (ekind, frm, to, trigger, body, data) in enumerate(chain, start=1):
                fields = {"case_id": case_id, "seq": seq_no, "at": t,
                          "actor_id": None if ekind == "alert" else mediator, "kind": ekind,
                          "from_state": frm, "to_state": to, "trigger": trigger, "body": body,
                          "data": data}  # fmt: skip
                previous = event_hash(previous, fields)
                if trigger in ("accept", "record_agreement", "fail_mediation"):
                    moments.setdefault(trigger, t)
                events.append((case_id, seq_no, t, fields["actor_id"], ekind, frm, to, trigger,
                               body, None if data is None else json.dumps(data, ensure_ascii=False),
                               previous))  # fmt: skip
                t = t + timedelta(seconds=step)
            first_alert = {}  # the first town / city alert, as the engine keeps them
            if level is not None:
                alerts[-1] = alerts[-1] + (t - timedelta(seconds=step),)
                first_alert[LEVEL_TIER[level]] = t - timedelta(seconds=step)
            last_at = t - timedelta(seconds=step)
            closed = state == "closed"
            is_open = not closed
            cases.append((
                case_id, number, kind, category, enterprise, f"工人{case_id % 997}", workers,
                rng.random() < 0.3, rng.random() < 0.1, title, "",
                rng.randint(1000, 500000) * 100 if rng.random() < 0.8 else None,
                rng.randint(1, 12) if kind == "arrears" else None,
                weighted(rng, CHANNELS), at, False, False, state, last_at, org_id,
                mediator if state != "reported" else None,
                LEVEL_TIER[level] if level in ("orange", "red") else org[3], level, officer,
                OUTCOME.get(state), last_at if closed else None, len(chain) - 1, len(chain),
                now + timedelta(days=rng.uniform(0.5, 15)) if is_open else None, at, last_at,
                moments.get("accept"), moments.get("record_agreement"),
                first_alert.get("town"), first_alert.get("city"), moments.get("fail_mediation"),
            ))  # fmt: skip
            if rng.random() < 0.1:
                assigned.append((case_id, rng.choice(advocates), at))
        with cur.copy(f"COPY cases ({case_cols}) FROM STDIN") as copy:
            for row in cases:
                copy.write_row(row)
        with cur.copy(f"COPY case_events ({event_cols}) FROM STDIN") as copy:
            for row in events:
                copy.write_row(row)
        with cur.copy(f"COPY alerts ({alert_cols}) FROM STDIN") as copy:
            for row in alerts:
                copy.write_row(row)
        with cur.copy("COPY case_advocates (case_id, user_id, assigned_at) FROM STDIN") as copy:
            for row in assigned:
                copy.write_row(row)
        conn.commit()
        totals["cases"] += len(cases)
        totals["events"] += len(events)
        totals["alerts"] += len(alerts)
        totals["advocates"] += len(assigned)
        print(f"  {totals['cases']:>9,} cases, {totals['events']:>10,} events", flush=True)
    # counters past the generated numbers: cases created later get fresh ones
    with cur.copy("COPY case_number_counters (organization_id, year, last_seq) FROM STDIN") as copy:
        for (org_id, year), last in counters.items():
            copy.write_row((org_id, year, last))
    for table in ("cases", "case_events", "alerts"):
        cur.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
            f" (SELECT coalesce(max(id), 1) FROM {table}))"
        )
    conn.commit()
    return totals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--database", default="mediation_bench")
    parser.add_argument("--create", action="store_true", help="drop and create the database")
    parser.add_argument("--host", default=os.environ.get("PGHOST", "127.0.0.1"))
    parser.add_argument("--port", default=os.environ.get("PGPORT", "5432"))
    parser.add_argument("--user", default=os.environ.get("PGUSER", "postgres"))
    parser.add_argument("--admin-database", default="postgres")
    parser.add_argument("--seed", type=int, default=6)
    args = parser.parse_args()

    if args.create:
        create_database(args)
    url = f"{base_url(args)}/{args.database}"
    t0 = time.perf_counter()
    migrate(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with psycopg.connect(url) as conn:
        conn.execute("SET synchronous_commit = off")
        totals = generate(conn, args.cases, args.seed)
        t1 = time.perf_counter()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE")
    t2 = time.perf_counter()
    print(
        f"{totals['cases']:,} cases, {totals['events']:,} events, {totals['alerts']:,} alerts,"
        f" {totals['advocates']:,} advocate assignments in {t1 - t0:.1f} s"
        f" (+ VACUUM ANALYZE {t2 - t1:.1f} s) → {url}"
    )


if __name__ == "__main__":
    main()
