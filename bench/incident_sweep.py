"""Incident sweep benchmark: N ongoing incidents, none due; prints the median time of the
incidents' part of a sweep (`warnings.incident_alerts.sweep_incidents`), which claims by the
indexed `incidents.next_check_at` and so should not grow with N (docs/incidents.md "Alerts").

    .venv/bin/python bench/incident_sweep.py --sizes 1000,100000 --database-url sqlite:////tmp/b.db

Creates and drops every table of the database it is given: never point it at real data.
Not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mediation import create_app  # noqa: E402
from mediation.extensions import db  # noqa: E402
from mediation.incidents.models import Incident  # noqa: E402
from mediation.orgs.models import Organization, Tier  # noqa: E402
from mediation.warnings.incident_alerts import sweep_incidents  # noqa: E402
from mediation.warnings.settings import current_settings  # noqa: E402

NOW = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)


def measure(n: int) -> float:
    db.drop_all()
    db.create_all()
    city = Organization(code="C", name="市总工会", tier=Tier.city)
    db.session.add(city)
    db.session.commit()
    row = {
        "organization_id": city.id, "employer_name": "某公司", "place": "厂门口",
        "started_at": NOW, "learned_at": NOW, "participants": 10, "behaviours": ["gathering"],
        "cause": "wage_arrears", "status": "ongoing", "major": False, "created_at": NOW,
        "updated_at": NOW, "version": 1,
    }  # fmt: skip
    for start in range(0, n, 10_000):
        db.session.execute(
            Incident.__table__.insert(),
            [
                {**row, "next_check_at": NOW + timedelta(hours=1 + i % 24)}
                for i in range(start, min(n, start + 10_000))
            ],
        )
    db.session.commit()
    settings = current_settings()
    sweep_incidents(NOW, settings, 500)  # warm
    times = []
    for _ in range(21):
        began = time.perf_counter()
        sweep_incidents(NOW, settings, 500)
        times.append(time.perf_counter() - began)
    db.drop_all()
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,100000")
    parser.add_argument("--database-url", default="sqlite:////tmp/incident_sweep_bench.db")
    args = parser.parse_args()
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=args.database_url)
    with app.app_context():
        for n in (int(s) for s in args.sizes.split(",")):
            print(f"{n:>9} incidents, none due: incident sweep {measure(n) * 1000:.2f} ms")


if __name__ == "__main__":
    main()
