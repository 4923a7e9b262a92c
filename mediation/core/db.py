"""The one way services write: a transaction that commits once or rolls back and raises."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from mediation.core.errors import Conflict, DomainError
from mediation.extensions import db

# SQLSTATEs PostgreSQL uses when concurrent transactions collide.
SERIALIZATION_STATES = {"40001", "40P01", "55P03"}


@contextmanager
def transaction() -> Iterator[None]:
    """Run the block as one transaction: commit at the end, roll back on any error.

    Concurrency failures surface as `Conflict`, so the caller answers 409 and nothing is written.
    """
    try:
        yield
        db.session.commit()
    except DomainError:
        db.session.rollback()
        raise
    except StaleDataError:
        db.session.rollback()
        raise Conflict("the record was changed by someone else; reload and try again") from None
    except IntegrityError as exc:
        db.session.rollback()
        raise Conflict(
            f"the change conflicts with existing data ({type(exc.orig).__name__})"
        ) from None
    except DBAPIError as exc:
        db.session.rollback()
        if getattr(exc.orig, "sqlstate", None) in SERIALIZATION_STATES:
            raise Conflict("a concurrent change won; reload and try again") from None
        raise
    except BaseException:
        db.session.rollback()
        raise


def bulk_insert(table, rows: list[dict]) -> None:
    """Insert many rows in the session's transaction, as fast as the backend allows.

    PostgreSQL gets COPY (an order of magnitude cheaper than executemany for the sweep's
    thousands of rows); other backends an executemany. Every row must have the same keys.
    """
    if not rows:
        return
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        connection.execute(table.insert(), rows)
        return
    columns = list(rows[0])
    converters = [_copy_converter(table.c[name].type) for name in columns]
    names = ", ".join(f'"{name}"' for name in columns)
    raw = connection.connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row(
                [conv(row[name]) for name, conv in zip(columns, converters, strict=True)]
            )


def _copy_converter(type_):
    """Python value → what COPY's text format needs for a column of this type."""
    from enum import Enum

    from sqlalchemy import JSON
    from sqlalchemy import Enum as SAEnum

    if isinstance(type_, JSON):
        return lambda v: None if v is None else json.dumps(v, ensure_ascii=False, default=str)
    if isinstance(type_, SAEnum):
        return lambda v: v.value if isinstance(v, Enum) else v
    return lambda v: v
