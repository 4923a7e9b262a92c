"""The one way services write: a transaction that commits once or rolls back and raises."""

from __future__ import annotations

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
