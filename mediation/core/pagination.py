"""Page through a SELECT without loading everything."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from math import ceil
from typing import Any

from sqlalchemy import Select, Subquery, func, literal_column, select

from mediation.core.db import literal_parameter
from mediation.extensions import db


@dataclass
class Page:
    items: Sequence[Any]
    page: int
    per_page: int
    total: int
    # True when the rows were counted only up to a limit: there are more than `total`
    total_is_capped: bool = False

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages or self.total_is_capped


MAX_PAGE = 100_000


def paginate(
    stmt: Select,
    page: int,
    per_page: int,
    *,
    count_limit: int | None = None,
    count_stmt: Select | None = None,
    rows: bool = False,
    rows_for_keys: Callable[[Subquery], Select] | None = None,
) -> Page:
    """One page of `stmt` and the number of rows.

    With `count_limit`, rows are counted only up to the larger of that limit and the end of the
    asked page (so a next page is always known): beyond it `total` is that bound and
    `total_is_capped` is true. An exact count over a million rows visits every one of them;
    a capped one stops early, and no reader needs to know that 734,512 cases match.
    `count_stmt` counts instead of `stmt` (the same rows without the joins that only add
    columns); `rows` returns plain rows instead of the first entity.

    `rows_for_keys` makes it a deferred join: `stmt` then selects only the keys of its rows (in
    its order), the page is cut from those, and `rows_for_keys(keys)` selects the page's rows
    from that subquery of at most `per_page` keys (in the same order). The rows before the page
    are then skipped as keys, which an index may hold, instead of as whole joined rows.
    """
    statements = page_statements(
        stmt, count_stmt=count_stmt, capped=count_limit is not None, rows_for_keys=rows_for_keys
    )
    return fetch_page(statements, {}, page, per_page, count_limit=count_limit, rows=rows)


@dataclass(frozen=True)
class PageStatements:
    """What `page_statements` builds: the page (its rows with the count beside them) and the
    count alone (for an empty page past the first)."""

    window: Select
    count: Select


def page_statements(
    stmt: Select,
    *,
    count_stmt: Select | None = None,
    capped: bool = False,
    rows_for_keys: Callable[[Subquery], Select] | None = None,
) -> PageStatements:
    """`paginate`'s statements with the page's numbers left as parameters (`page_limit`,
    `page_offset`, and `count_bound` when `capped`), given by `fetch_page` (with `page_reach`,
    the offset plus the limit, which `stmt` itself may use). Statements built
    once can then serve every page: building a list's statement and its cache key costs more
    Python than running it (docs/performance.md, "Statements built once")."""
    unordered = (count_stmt if count_stmt is not None else stmt).order_by(None)
    counted = unordered
    if capped:
        counted = unordered.with_only_columns(literal_column("1"), maintain_column_froms=True)
        counted = counted.limit(literal_parameter("count_bound"))
    count = select(func.count()).select_from(counted.subquery())
    # the count rides along with the page as an uncorrelated scalar subquery (the database
    # computes it once): one statement, one round trip. Only an empty page needs it alone.
    total_column = count.scalar_subquery().label("_total")
    # written into the SQL (core.db.literal_parameter): the first page's numbers are nearly always
    # the same, and PostgreSQL keeps the list's plan
    limit = literal_parameter("page_limit")
    offset = literal_parameter("page_offset")
    if rows_for_keys is None:
        window = stmt.add_columns(total_column).limit(limit).offset(offset)
    else:
        keys = stmt.limit(limit).offset(offset).subquery("page_keys")
        window = rows_for_keys(keys).add_columns(total_column)
    return PageStatements(window=window, count=count)


def fetch_page(
    statements: PageStatements,
    parameters: dict,
    page: int,
    per_page: int,
    *,
    count_limit: int | None = None,
    rows: bool = False,
) -> Page:
    """Run `page_statements`' statements for one page, with `parameters` for the rest of
    theirs. `count_limit` must be given exactly when the statements were built `capped`."""
    page = min(max(1, page), MAX_PAGE)  # beyond the last page is an empty page, not an error
    bound = None if count_limit is None else max(count_limit, page * per_page)
    parameters = {
        **parameters,
        "page_limit": per_page,
        "page_offset": (page - 1) * per_page,
        "page_reach": page * per_page,  # (for statements that read a page per part)
    }
    if bound is not None:
        parameters["count_bound"] = bound + 1
    # plain rows through the connection: the ORM adds nothing to a list of columns but cost
    runner = db.session.connection() if rows else db.session
    fetched = runner.execute(statements.window, parameters).all()
    if fetched:
        total = fetched[0][-1]
        # plain rows keep their extra `_total` column (read by name, it is harmless)
        items = fetched if rows else [row[0] for row in fetched]
    else:
        total = db.session.execute(statements.count, parameters).scalar() if page > 1 else 0
        items = []
    capped = bound is not None and total > bound
    if capped:
        total = bound
    return Page(items=items, page=page, per_page=per_page, total=total or 0, total_is_capped=capped)
