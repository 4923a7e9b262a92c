"""Page through a SELECT without loading everything."""

from __future__ import annotations

from dataclasses import dataclass
from math import ceil
from typing import Any

from sqlalchemy import Select, func, literal_column, select

from mediation.extensions import db


@dataclass
class Page:
    items: list[Any]
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


def paginate(stmt: Select, page: int, per_page: int, *, count_limit: int | None = None) -> Page:
    """One page of `stmt` and the number of rows.

    With `count_limit`, rows are counted only up to the larger of that limit and the end of the
    asked page (so a next page is always known): beyond it `total` is that bound and
    `total_is_capped` is true. An exact count over a million rows visits every one of them;
    a capped one stops early, and no reader needs to know that 734,512 cases match.
    """
    page = min(max(1, page), MAX_PAGE)  # beyond the last page is an empty page, not an error
    unordered = stmt.order_by(None)
    capped = False
    if count_limit is None:
        total = db.session.scalar(select(func.count()).select_from(unordered.subquery()))
    else:
        bound = max(count_limit, page * per_page)
        rows = unordered.with_only_columns(literal_column("1"), maintain_column_froms=True)
        rows = rows.limit(bound + 1)
        total = db.session.scalar(select(func.count()).select_from(rows.subquery()))
        if total > bound:
            total, capped = bound, True
    items = list(db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)))
    return Page(items=items, page=page, per_page=per_page, total=total or 0, total_is_capped=capped)
