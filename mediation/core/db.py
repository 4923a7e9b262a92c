"""The one way services write: a transaction that commits once or rolls back and raises."""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

from flask import request
from sqlalchemy import (
    BigInteger,
    BindParameter,
    Boolean,
    Date,
    DateTime,
    Integer,
    bindparam,
    event,
    func,
    text,
    update,
)
from sqlalchemy.exc import DBAPIError, DisconnectionError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from mediation.core.errors import Conflict, DomainError
from mediation.core.messages import Message
from mediation.extensions import db

if TYPE_CHECKING:
    from collections.abc import Callable

    from flask import Flask
    from sqlalchemy import Engine, Executable, Table, Update
    from sqlalchemy.types import TypeEngine

    _View = TypeVar("_View", bound=Callable[..., Any])

# SQLSTATEs PostgreSQL uses when concurrent transactions collide.
SERIALIZATION_STATES = {"40001", "40P01", "55P03"}


@contextmanager
def transaction(*, expire_on_commit: bool = True) -> Iterator[None]:
    """Run the block as one transaction: commit at the end, roll back on any error.

    Concurrency failures surface as `Conflict`, so the caller answers 409 and nothing is written.
    Blocks nest: an inner `transaction()` (a service called by a bulk operation that holds the
    outer one) only flushes, and the outermost block commits or rolls back everything.

    `expire_on_commit=False` keeps the session's objects loaded after the commit: for a service
    whose objects hold exactly what it wrote (creating a case), so that answering with them
    reads nothing again. A rollback expires everything as usual.
    """
    info = db.session.info
    if info.get("read_only"):
        raise RuntimeError("this request was declared read-only (`read_only`); it cannot write")
    if info.get("in_transaction"):
        yield
        db.session.flush()
        return
    info["in_transaction"] = True
    try:
        yield
        if expire_on_commit:
            db.session.commit()
        else:
            session = db.session()
            previous, session.expire_on_commit = session.expire_on_commit, False
            try:
                session.commit()
            finally:
                session.expire_on_commit = previous
    except DomainError:
        db.session.rollback()
        raise
    except StaleDataError:
        db.session.rollback()
        raise Conflict("The record was changed by someone else; reload and try again.") from None
    except IntegrityError as exc:
        db.session.rollback()
        raise Conflict(
            Message(
                "The change conflicts with existing data (%(error)s).",
                error=type(exc.orig).__name__,
            )
        ) from None
    except DBAPIError as exc:
        db.session.rollback()
        if getattr(exc.orig, "sqlstate", None) in SERIALIZATION_STATES:
            raise Conflict("A concurrent change won; reload and try again.") from None
        raise
    except BaseException:
        db.session.rollback()
        raise
    finally:
        info["in_transaction"] = False


def read_only(view: _View) -> _View:
    """Mark a view that only reads. Its statements run without BEGIN and ROLLBACK around them:
    two round trips of a list request's four, and above all no ROLLBACK, on which psycopg
    deallocates every statement the connection had prepared, so that PostgreSQL would plan the
    list anew on every request (docs/performance.md, "Read-only requests keep their plans").
    Each statement sees its own snapshot, so such a view must read what belongs together in
    one statement (the case list reads its page and its count in one). `transaction()` refuses
    to run inside it; any other write it makes (an API token's `last_used_at`) is a single
    statement, committed by itself."""
    view.read_only = True  # type: ignore[attr-defined]  # a marker on the view function
    return view


def engines() -> list:
    """The current application's engines: the default one, and on PostgreSQL the one of
    read-only requests."""
    from flask import current_app

    from mediation.extensions import READ_ONLY_ENGINE, REPLICA_ENGINE

    extras = [current_app.extensions.get(key) for key in (READ_ONLY_ENGINE, REPLICA_ENGINE)]
    return [db.engine, *(engine for engine in extras if engine is not None)]


def init_replica(app: Flask) -> None:
    """With DATABASE_REPLICA_URL set, an engine on the read replica, and GET and HEAD requests
    that read from it (docs/deployment.md "Read replica"): the session sends a statement there
    unless it writes or locks rows (INSERT, UPDATE, DELETE, SELECT … FOR UPDATE, raw SQL),
    runs inside `transaction()` or a flush, so that every change and every read a change
    depends on stays on the primary. POST, PUT, PATCH and DELETE requests use the primary
    only. Off by default. Call after `db.init_app` and before `init_read_only_requests`."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    from mediation.extensions import REPLICA_ENGINE

    if not app.config.get("DATABASE_REPLICA_URL"):
        return
    url = make_url(app.config["DATABASE_REPLICA_URL"])
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    if url.get_backend_name() == "postgresql":
        # as the read-only engine: nothing to roll back on a connection's return
        options.update(isolation_level="AUTOCOMMIT", pool_reset_on_return=None)
    app.extensions[REPLICA_ENGINE] = create_engine(url, **options)

    @app.before_request
    def _read_from_the_replica() -> None:
        if request.method in ("GET", "HEAD"):
            db.session.info["replica"] = True

    @app.teardown_request
    def _stop_reading_from_the_replica(_exc: BaseException | None) -> None:
        db.session.info.pop("replica", None)


def init_read_only_engine(app: Flask) -> None:
    """On PostgreSQL, a second engine for read-only requests, on the same database, whose
    connections are always in autocommit. Switching a shared connection into autocommit for a
    request and back at its end cost SQLAlchemy's execution-options machinery and a reset on
    the way back to the pool: 2-12% of the API list's CPU, 8% in the median
    (docs/performance.md, "Read-only requests keep their plans"). On SQLite, which is for one
    user at a time, the request's connection is switched instead (an in-memory database would
    not even be the same database on a second engine). Call after `db.init_app`."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    from mediation.extensions import READ_ONLY_ENGINE

    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "postgresql":
        return
    options = {
        **(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {}),
        "isolation_level": "AUTOCOMMIT",
        # a connection in autocommit never holds a transaction to roll back on its return
        "pool_reset_on_return": None,
    }
    app.extensions[READ_ONLY_ENGINE] = create_engine(url, **options)


def init_read_only_requests(app: Flask) -> None:
    from mediation.extensions import READ_ONLY_ENGINE

    separate_engine = READ_ONLY_ENGINE in app.extensions

    @app.before_request
    def _begin_read_only() -> None:
        """Before a `read_only` view's request touches the database, send its statements to
        the read-only engine (PostgreSQL), or put its session's connection in autocommit (a
        client-side switch: no round trip)."""
        view = app.view_functions.get(request.endpoint) if request.endpoint else None
        if getattr(view, "read_only", False) and not db.session().in_transaction():
            db.session.info["read_only"] = True  # (the session's binds follow it)
            if not separate_engine:
                db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})

    @app.teardown_request
    def _end_read_only(_exc: BaseException | None) -> None:
        """Give the connection back as it was taken (an app context, as in tests, may hold
        the session across requests). Its transaction is closed, not rolled back: a read-only
        request has nothing to roll back, and a rollback would expire every object the request
        loaded, only for the session's removal at the end of the request to detach them
        (together a tenth of the case list page's CPU). The objects stay in the session."""
        if db.session.info.pop("read_only", False):
            transaction = db.session().get_transaction()
            if transaction is not None:
                transaction.close()


def literal_parameter(
    name: str | None = None, value: Any = None, *, type_: Any = Integer, **kw: Any
) -> BindParameter:
    """A value written into the SQL when the statement runs, not sent as a parameter: a
    LIMIT, a page's offset, a case list's scope and its choice filters (integers and validated
    enumeration values only, never free text).

    psycopg prepares a statement at its fifth execution on a connection, and PostgreSQL then
    plans it once for all executions (a generic plan) only when that plan's estimated cost is
    no worse than a plan for the given values. It cannot know a LIMIT that is a parameter
    (it assumes a tenth of the rows), and its estimate for a parameter's rows differs from a
    given value's, so such a statement was planned on every request, which cost as much as
    running the case list (docs/performance.md, "Values written into the SQL"). Written in,
    each value has its own prepared statement and the plan is kept. `name` without `value`:
    given at execution."""
    return bindparam(name, value, type_=type_, required=value is None, literal_execute=True, **kw)


def ping_idle_connections(engine: Engine, idle_seconds: float) -> None:
    """Test a pooled connection before use only when it sat unused for `idle_seconds`.

    SQLAlchemy's `pool_pre_ping` tests it at every checkout: one more round trip on every
    request. A connection that served a request a moment ago is alive; one that waited in the
    pool overnight, or through a database restart, may not be, and is replaced here before a
    request gets it. (A restart while connections are busy fails those requests either way.)
    """

    @event.listens_for(engine, "checkin")
    def _checked_in(dbapi_connection: Any, record: Any) -> None:
        record.info["checked_in_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        checked_in_at = record.info.get("checked_in_at")
        if checked_in_at is None or time.monotonic() - checked_in_at < idle_seconds:
            return
        try:
            cursor = dbapi_connection.cursor()
            try:
                cursor.execute("SELECT 1")
            finally:
                cursor.close()
            dbapi_connection.rollback()
        except Exception as exc:  # any failure means: do not hand this connection out
            raise DisconnectionError(f"a pooled connection failed its ping: {exc}") from exc


# up to this many rows, `bulk_insert` and `bulk_update` send plain statements on PostgreSQL too
FEW_ROWS = 8


def claim_unset(table: Table, row_id: int, column: str, value: Any) -> bool:
    """Set `column` of one row to `value` only if it is still NULL, and say whether this call
    did it: the "once" of a job that acts once per row (a reminder, an overdue notice), safe
    when two schedulers run the same job at the same moment."""
    result = db.session.execute(
        update(table).where(table.c.id == row_id, table.c[column].is_(None)).values({column: value})
    )
    return bool(getattr(result, "rowcount", 0) == 1)


def bulk_insert(table: Table, rows: list[dict]) -> None:
    """Insert many rows in the session's transaction, as fast as the backend allows.

    PostgreSQL gets COPY (an order of magnitude cheaper than executemany for the sweep's
    thousands of rows); other backends, and a few rows (a new case's alert and its notices),
    an INSERT: COPY takes a round trip more and is parsed anew each time, while the INSERT is
    prepared once. Every row must have the same keys.
    """
    if not rows:
        return
    connection = db.session.connection()
    if connection.dialect.name != "postgresql" or len(rows) <= FEW_ROWS:
        connection.execute(table.insert(), rows)
        return
    columns = list(rows[0])
    converters = [_copy_converter(table.c[name].type) for name in columns]
    names = ", ".join(f'"{name}"' for name in columns)
    raw: Any = connection.connection.driver_connection  # (psycopg's)
    with raw.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row(
                [conv(row[name]) for name, conv in zip(columns, converters, strict=True)]
            )


def _copy_converter(type_: TypeEngine[Any]) -> Callable[[Any], Any]:
    """Python value → what COPY's text format needs for a column of this type."""
    from enum import Enum

    from sqlalchemy import JSON
    from sqlalchemy import Enum as SAEnum

    if isinstance(type_, JSON):
        return lambda v: None if v is None else json.dumps(v, ensure_ascii=False, default=str)
    if isinstance(type_, SAEnum):
        return lambda v: v.value if isinstance(v, Enum) else v
    return lambda v: v


def bulk_update(
    table: Table, rows: list[dict], *, key: str = "id", coalesce: tuple[str, ...] = ()
) -> None:
    """UPDATE many rows by key in the session's transaction. Every row holds `key` and the same
    columns; for a column named in `coalesce`, None means "leave it as it is".

    PostgreSQL gets one statement over `unnest` of typed arrays; other backends, and a few
    rows (a new case's), an UPDATE by key: PostgreSQL plans the `unnest` form anew each time
    (it cannot know the arrays' length), which cost more than a new case's other statements.
    """
    if not rows:
        return
    columns = [c for c in rows[0] if c != key]
    connection = db.session.connection()
    if connection.dialect.name == "postgresql" and len(rows) > FEW_ROWS:
        names = [key, *columns]
        sets = ", ".join(
            f'"{c}" = COALESCE(v."{c}", t."{c}")' if c in coalesce else f'"{c}" = v."{c}"'
            for c in columns
        )
        arrays = ", ".join(f"CAST(:{n} AS {_pg_array_type(table.c[n].type)}[])" for n in names)
        aliases = ", ".join(f'"{n}"' for n in names)
        statement: Executable = text(
            f'UPDATE "{table.name}" AS t SET {sets} FROM unnest({arrays}) AS v({aliases}) '
            f'WHERE t."{key}" = v."{key}"'
        )
        convert = {n: _copy_converter(table.c[n].type) for n in names}
        connection.execute(statement, {n: [convert[n](r[n]) for r in rows] for n in names})
        return
    statement = _update_by_key(table, key, tuple(columns), tuple(coalesce))
    parameters = [{"b_key": r[key], **{f"b_{c}": r[c] for c in columns}} for r in rows]
    connection.execute(statement, parameters[0] if len(parameters) == 1 else parameters)


@functools.lru_cache(maxsize=64)
def _update_by_key(
    table: Table, key: str, columns: tuple[str, ...], coalesce: tuple[str, ...]
) -> Update:
    """`bulk_update`'s UPDATE of one row by key, built once per table and columns."""
    values = {
        c: func.coalesce(bindparam(f"b_{c}", type_=table.c[c].type), table.c[c])
        if c in coalesce
        else bindparam(f"b_{c}", type_=table.c[c].type)
        for c in columns
    }
    return update(table).where(table.c[key] == bindparam("b_key")).values(values)


def _pg_array_type(type_: TypeEngine[Any]) -> str:
    """The PostgreSQL element type for an array parameter of a column's values."""
    impl = getattr(type_, "impl", type_)
    if isinstance(impl, BigInteger):
        return "bigint"
    if isinstance(impl, Integer):
        return "integer"
    if isinstance(impl, Boolean):
        return "boolean"
    if isinstance(impl, DateTime):
        return "timestamptz"
    if isinstance(impl, Date):
        return "date"
    return "text"


def take_write_lock() -> None:
    """On SQLite, take the database's write lock now, before reading what will be written.

    Python's sqlite3 opens a transaction only at the first write, so a read-then-write job
    (the sweep, the deliverer) could otherwise act on rows another connection changed in
    between. SQLAlchemy's SQLite documentation ("Serializable isolation / Savepoints /
    Transactional DDL") emits the BEGIN itself to control this; here only the jobs that need
    it begin with `BEGIN IMMEDIATE`, and pages keep sqlite3's deferred transactions. Once a
    write has begun the transaction the lock is already held. PostgreSQL callers lock rows
    with FOR UPDATE instead; this does nothing there.
    """
    connection = db.session.connection()
    if connection.dialect.name != "sqlite":
        return
    driver_connection: Any = connection.connection.driver_connection  # (sqlite3's)
    if not driver_connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def like_pattern(text: str) -> str:
    """`%text%` with LIKE's wildcards in the text taken literally (escape character `\\`)."""
    escaped = text.replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_")
    return f"%{escaped}%"
