"""What the bell's unread count costs on PostgreSQL (docs/notifications.md "Cost").

Creates `organizations`, `users` and `in_app_notices` (without foreign keys) in an EMPTY
database, fills 1,000 officers x 500 notices (10 unread each, 400 for the first), vacuums,
and prints EXPLAIN ANALYZE of the count as the session's user lookup runs it, for the heavy
user and a usual one. Then drops what it created.

    PYTHONPATH=. python bench/notices_bell.py postgresql://postgres@127.0.0.1:5432/bench_bell
"""

from __future__ import annotations

import sys

from sqlalchemy import MetaData, select, text

from mediation import create_app
from mediation.accounts.models import Role, User
from mediation.extensions import db
from mediation.inbox.services import unread_count_column
from mediation.orgs.models import Organization, Tier


def main(url: str) -> None:
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        base = [db.metadata.tables[n] for n in ("organizations", "users")]
        db.metadata.create_all(db.engine, tables=base)
        notices = db.metadata.tables["in_app_notices"].to_metadata(MetaData())
        for fk in list(notices.foreign_key_constraints):
            notices.constraints.discard(fk)
        for column in notices.c:
            column.foreign_keys.clear()
        notices.create(db.engine)
        try:
            org = Organization(code="C", name="c", tier=Tier.city)
            db.session.add(org)
            db.session.commit()
            users = [
                User(username=f"u{i}", display_name="u", role=Role.officer,
                     organization_id=org.id, password_hash="x")
                for i in range(1000)
            ]  # fmt: skip
            db.session.add_all(users)
            db.session.commit()
            db.session.execute(
                text(
                    "INSERT INTO in_app_notices (user_id, kind, params, created_at, read_at) "
                    "SELECT u.id, 'visit', '{}'::json, now(), CASE WHEN n <= 10 OR "
                    "(u.id = :hot AND n <= 400) THEN NULL ELSE now() END "
                    "FROM users u, generate_series(1, 500) n"
                ),
                {"hot": users[0].id},
            )
            db.session.commit()
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE in_app_notices"))
            for user in (users[0], users[5]):
                stmt = select(unread_count_column("postgresql")).where(User.id == user.id)
                sql = str(stmt.compile(db.engine, compile_kwargs={"literal_binds": True}))
                plan = db.session.execute(text("EXPLAIN (ANALYZE, BUFFERS) " + sql)).scalars()
                print("\n".join(plan), "\n---")
        finally:
            db.session.rollback()
            notices.drop(db.engine)
            db.metadata.drop_all(db.engine, tables=list(reversed(base)))


if __name__ == "__main__":
    main(sys.argv[1])
