"""The grouping-sets engine: the rows of a subquery grouped by each of several named sets of its
columns, {name: [(keys ..., aggregates ...)]}, `aggregates(source.c)` giving the aggregate
columns. Two ways to the same rows: PostgreSQL reads the source once for every set (GROUPING
SETS, told apart by `grouping()`, `grouping_sets`); SQLite runs one statement per set
(`each_set`). The dialect object (`dialect.py`) picks one.

The source should end with `OFFSET 0`: PostgreSQL then groups its month column as one of unknown
width (200 values) instead of guessing one group per timestamp from the expression's column, and
over a long period would otherwise sort a million rows instead of hashing a few thousand
groups."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from sqlalchemy import ColumnElement, Subquery, func, select, tuple_

from mediation.extensions import db

Sets = Mapping[str, tuple[str, ...]]
Aggregates = Callable[[Any], Iterable[ColumnElement[Any]]]  # source.c -> aggregate columns
Grouped = dict[str, list[tuple]]


def each_set(source: Subquery, sets: Sets, aggregates: Aggregates) -> Grouped:
    """One statement per set (SQLite)."""
    c = source.c
    return {
        name: [
            tuple(row)
            for row in db.session.execute(
                select(*(c[k] for k in keys), *aggregates(c)).group_by(*(c[k] for k in keys))
            )
        ]
        for name, keys in sets.items()
    }


def grouping_sets(source: Subquery, sets: Sets, aggregates: Aggregates) -> Grouped:
    """One statement for every set (PostgreSQL's GROUPING SETS)."""
    c = source.c
    names = list(dict.fromkeys(k for keys in sets.values() for k in keys))
    # grouping(a, b, ...) sets a bit, from the left, for each column a row is *not* grouped by
    masks = {
        sum(1 << (len(names) - 1 - i) for i, k in enumerate(names) if k not in keys): name
        for name, keys in sets.items()
    }
    assert len(masks) == len(sets), "grouping sets must differ"
    columns = [c[k] for k in names]
    rows = db.session.execute(
        select(func.grouping(*columns), *columns, *aggregates(c)).group_by(
            func.grouping_sets(*(tuple_(*(c[k] for k in keys)) for keys in sets.values()))
        )
    )
    result: Grouped = {name: [] for name in sets}
    for mask, *values in rows:
        name = masks[mask]
        keyed = dict(zip(names, values[: len(names)], strict=True))
        result[name].append((*(keyed[k] for k in sets[name]), *values[len(names) :]))
    return result
