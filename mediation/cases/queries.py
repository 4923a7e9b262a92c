"""The case list's filters and orderings, defined once for the list page, the JSON API and the
exports: what a user can ask for, and the SELECT that answers it (scope always applied)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from marshmallow import Schema, fields
from sqlalchemy import (
    ARRAY,
    BindParameter,
    ColumnElement,
    Integer,
    Row,
    Select,
    Subquery,
    any_,
    bindparam,
    false,
    literal,
    or_,
    select,
    true,
)
from sqlalchemy.orm import InstrumentedAttribute, selectinload

from mediation.accounts.models import User
from mediation.cases.clock_events import clock_settings
from mediation.cases.deadlines import Deadline, case_deadlines
from mediation.cases.enums import OPEN_STATES, CaseKind, Category, State, WarningLevel
from mediation.cases.models import Case
from mediation.cases.scope import (
    read_scope_parameters,
    read_scope_shape,
    scope_condition,
    scope_shape,
)
from mediation.core.clock import utcnow
from mediation.core.db import like_pattern, literal_parameter
from mediation.core.messages import N_
from mediation.core.schemas import MAX_ID, Length, OneOf, Range, StrictInteger
from mediation.core.trigram import MIN_TRIGRAM_TERM
from mediation.enterprises.models import Enterprise
from mediation.extensions import db
from mediation.orgs.models import Organization, Tier
from mediation.orgs.services import subtree_ids_select

if TYPE_CHECKING:
    from mediation.core.pagination import Page, PageStatements

# the most enterprises whose ids a free-text search passes as a list (`_enterprise_named`)
MAX_ENTERPRISE_IDS = 10_000

# sort keys (a leading "-" means descending); ties are broken by id in the same direction
CASE_SORTS = {
    "received_at": Case.received_at,
    "number": Case.number,
    "updated_at": Case.updated_at,
    "workers_involved": Case.workers_involved,
    "claim_amount": Case.claim_amount_fen,
}
SORT_CHOICES = [f"{d}{k}" for k in CASE_SORTS for d in ("-", "")]
DEFAULT_SORT = "-received_at"
SORT_LABELS = {
    "-received_at": N_("Newest first"),
    "received_at": N_("Oldest first"),
    "-number": N_("Number, descending"),
    "number": N_("Number"),
    "-updated_at": N_("Recently changed"),
    "updated_at": N_("Least recently changed"),
    "-workers_involved": N_("Most workers"),
    "workers_involved": N_("Fewest workers"),
    "-claim_amount": N_("Largest claim"),
    "claim_amount": N_("Smallest claim"),
}


class CaseFilterSchema(Schema):
    """Query-string filters of the case list (all optional)."""

    state = fields.Enum(State, by_value=True)
    kind = fields.Enum(CaseKind, by_value=True)
    category = fields.Enum(Category, by_value=True)
    tier = fields.Enum(Tier, by_value=True, metadata={"description": "the supervising tier"})
    level = fields.Enum(WarningLevel, by_value=True)
    org = StrictInteger(
        validate=Range(min=1, max=MAX_ID),
        metadata={"description": "cases handled in this organization's subtree"},
    )
    enterprise = StrictInteger(validate=Range(min=1, max=MAX_ID))
    q = fields.String(
        validate=Length(min=1, max=100),
        metadata={"description": "in the number, the title or the enterprise's name"},
    )
    mine = fields.Boolean(metadata={"description": "only the cases the caller mediates"})
    overdue = fields.Boolean(
        metadata={"description": "open cases with a running clock past its legal last day"}
    )
    mediator = StrictInteger(
        validate=Range(min=1, max=MAX_ID), metadata={"description": "the case's mediator"}
    )
    review = fields.Boolean(
        metadata={
            "description": "cases whose category, split by issue 21, is to be reviewed"
            ' (docs/statistics.md "Causes")'
        }
    )
    sort = fields.String(load_default=DEFAULT_SORT, validate=OneOf(SORT_CHOICES))


# the filters built with their values (never from the shaped, cached statements): they depend
# on the user (`mine`) or on the clocks computed in Python (`overdue`)
VALUED_FILTERS = ("q", "mine", "overdue", "mediator", "review")


# the filters that compare a column with the value asked
EQUAL_FILTERS = (
    ("state", Case.state), ("kind", Case.kind), ("category", Case.category),
    ("tier", Case.tier), ("level", Case.warning_level), ("enterprise", Case.enterprise_id),
)  # fmt: skip
# the filters of a list whose statement is built once per shape (`q` is not one: see
# paginate_case_list)
SHAPED_FILTERS = (*(name for name, _column in EQUAL_FILTERS), "org")
# the filters whose values are a few fixed choices (enumerations)
CHOICE_FILTERS = frozenset(("state", "kind", "category", "tier", "level"))


def filtered_cases(user: User, filters: dict, *, load_advocates: bool = True) -> Select:
    """`SELECT Case` in the user's scope, filtered and ordered as asked; advocates are loaded
    with the rows (the list shows them) so a page costs a fixed number of statements. Exports
    pass `load_advocates=False` and swap the columns (`with_only_columns`) to stream plain rows."""
    stmt = _filtered(read_scope_shape(user), filters, user)
    if load_advocates:
        stmt = stmt.options(selectinload(Case.advocates))
    return stmt


def _filtered(scope: str, filters: dict, user: User | None) -> Select:
    """`filtered_cases` for a scope of that shape. Without `user`, the scope's and the filters'
    values are named parameters (`_list_parameters` gives them) and `filters` only says which
    filters are given: one statement then serves every user and value of that shape."""

    def value(name: str) -> Any:
        if user is not None:
            return filters[name]
        if name in CHOICE_FILTERS:  # a few fixed values: written into the SQL, the plan kept
            return literal_parameter(f"filter_{name}", type_=None)
        return bindparam(f"filter_{name}", required=True)

    stmt = select(Case)
    in_scope = scope_condition(scope, user)
    if in_scope is not None:
        stmt = stmt.where(in_scope)
    for name, column in EQUAL_FILTERS:
        if filters.get(name) is not None:
            stmt = stmt.where(column == value(name))
    if filters.get("org") is not None:
        stmt = stmt.where(
            Case.handling_org_id.in_(subtree_ids_select(value("org"), name="filter_org_tree"))
        )
    if user is not None and filters.get("mine"):
        stmt = stmt.where(Case.mediator_id == user.id)
    if user is not None and filters.get("mediator") is not None:
        stmt = stmt.where(Case.mediator_id == filters["mediator"])
    if filters.get("review"):
        stmt = stmt.where(Case.category_review.is_(True))
    if user is not None and filters.get("overdue"):
        stmt = stmt.where(Case.id.in_(overdue_case_ids(user)))
    if filters.get("q"):
        if user is None:
            raise ValueError(
                "a search's statement is built with its values (see _enterprise_named)"
            )
        term = filters["q"].strip()
        pattern = like_pattern(term)
        stmt = stmt.where(
            or_(
                Case.number.ilike(pattern, escape="\\"),
                Case.title.ilike(pattern, escape="\\"),
                _enterprise_named(pattern, term),
            )
        )
    return stmt.order_by(*case_ordering(filters))


# the most open cases in scope whose clocks `overdue_case_ids` computes (beyond, the filter
# reads the first ones received: docs/performance.md, "The overdue filter")
MAX_OVERDUE_SCAN = 5_000


def overdue_case_ids(user: User, now: datetime | None = None) -> list[int]:
    """The open cases in the user's scope with a running clock past its legal last day.

    The clocks are computed in Python (`cases.deadlines`, as the mediator's dashboard does):
    no stored column holds a case's nearest last day, so the scope's open cases (an index range
    of `state`) are read once, at most `MAX_OVERDUE_SCAN` of them, and their ids passed to the
    list as `id IN (...)` (docs/performance.md, "The overdue filter")."""
    now = now or utcnow()
    settings = clock_settings()
    stmt = select(Case).where(Case.state.in_(OPEN_STATES))
    in_scope = scope_condition(scope_shape(user), user)
    if in_scope is not None:
        stmt = stmt.where(in_scope)
    stmt = stmt.order_by(Case.received_at.desc(), Case.id.desc()).limit(MAX_OVERDUE_SCAN)
    overdue = []
    for case in db.session.scalars(stmt):
        deadlines = case_deadlines(case, settings, now)
        if deadlines and deadlines[0].due <= now:
            overdue.append(case.id)
    return overdue


@dataclass
class RowExtras:
    """What a list row shows beyond `LIST_COLUMNS`: the mediator and the nearest deadline."""

    mediator_name: str | None
    deadline: Deadline | None
    days_left: int | None


def page_row_extras(ids: list[int], now: datetime | None = None) -> dict[int, RowExtras]:
    """The mediator and next deadline of a page's cases (its fifty ids only), as the mediator's
    dashboard computes them (`cases.deadlines.case_deadlines` over loaded cases): two
    statements whatever the page's size (the cases, their mediators), no N+1."""
    if not ids:
        return {}
    now = now or utcnow()
    settings = clock_settings()
    stmt = select(Case).where(Case.id.in_(ids)).options(selectinload(Case.mediator))
    extras = {}
    for case in db.session.scalars(stmt).unique():
        deadlines = case_deadlines(case, settings, now)
        nearest = deadlines[0] if deadlines else None
        extras[case.id] = RowExtras(
            case.mediator.display_name if case.mediator is not None else None,
            nearest,
            nearest.days_left(now) if nearest is not None else None,
        )
    return extras


def _list_parameters(user: User, filters: dict, given: tuple[str, ...]) -> dict:
    """The values of `_filtered(read_scope_shape(user), filters, None)`'s parameters."""
    return {**read_scope_parameters(user), **{f"filter_{name}": filters[name] for name in given}}


# a column, or a column in descending order
OrderKey = InstrumentedAttribute[Any] | ColumnElement[Any]


def case_ordering(filters: dict) -> tuple[OrderKey, OrderKey]:
    """The ORDER BY of the asked sort, ties broken by id in the same direction."""
    sort = filters.get("sort") or DEFAULT_SORT
    column = CASE_SORTS[sort.lstrip("-")]
    return (column.desc(), Case.id.desc()) if sort.startswith("-") else (column, Case.id)


def _enterprise_named(pattern: str, term: str) -> ColumnElement[bool]:
    """The case's enterprise's name matches `pattern`, in the shape each database searches
    fastest (docs/performance.md, "Free-text search").

    On PostgreSQL, for a term the trigram indexes can narrow down: the matching enterprises'
    ids are read first (from `ix_enterprises_name_trgm`) and compared as an array,
    `enterprise_id = ANY(:ids)`, which an index scan of `ix_cases_enterprise_received` takes:
    the whole OR becomes a BitmapOr of that scan and the trigram index scans on the number and
    the title. The array is a value the planner sees (its length, its elements), where with
    `ANY(ARRAY(subquery))` it would assume a few ids and sort a million cases when the term is
    in every enterprise's name. A term in more than `MAX_ENTERPRISE_IDS` names is left to
    `IN (subquery)`: their cases are so many that walking the list's order finds a page at once.
    Elsewhere, and for a term too short for trigrams (every case in scope is read anyway),
    `IN (subquery)`: a hashed subplan applied as a filter.

    In a `read_only` request (autocommit) the ids and the page are two statements, two
    snapshots: a case whose enterprise was created or renamed between them is missing from that
    page, as it would be from a page read a moment earlier."""
    names = select(Enterprise.id).where(Enterprise.name.ilike(pattern, escape="\\"))
    if len(term) >= MIN_TRIGRAM_TERM and db.session.get_bind().dialect.name == "postgresql":
        ids = db.session.connection().scalars(names.limit(MAX_ENTERPRISE_IDS + 1)).all()
        if not ids:
            return false()  # (left out of the OR)
        if len(ids) <= MAX_ENTERPRISE_IDS:
            return Case.enterprise_id == any_(literal(ids, ARRAY(Integer)))
    return Case.enterprise_id.in_(names)


# What a row of the case list shows (the list page and the API's list items): plain columns,
# no ORM objects, so a page of 50 costs one query and little Python.
LIST_COLUMNS = (
    Case.id, Case.number, Case.kind, Case.category, Case.state, Case.version, Case.title,
    Case.enterprise_id, Enterprise.name.label("enterprise_name"), Case.workers_involved,
    Case.claim_amount_fen, Case.received_at, Case.handling_org_id,
    Organization.name.label("handling_org_name"), Case.mediator_id, Case.tier,
    Case.warning_level, Case.updated_at,
)  # fmt: skip


def list_columns(*names: str) -> tuple:
    """The columns `names` of `LIST_COLUMNS`, in that order: a list that shows fewer (the
    HTML page shows ten of the eighteen) reads and converts only those."""
    by_key = {column.key: column for column in LIST_COLUMNS}
    return tuple(by_key[name] for name in names)


def list_row_cells(*names: str, columns: tuple = LIST_COLUMNS) -> Callable[[Row], tuple]:
    """A function that takes the columns `names` (of `columns`) from a list row, in that
    order, by position: reading a row's columns by name cost half of writing an API summary."""
    positions = {column.key: i for i, column in enumerate(columns)}
    return itemgetter(*(positions[name] for name in names))


def case_list_rows(user: User, filters: dict, *, base: Select | None = None) -> Select:
    """`filtered_cases` (or `base`, built by it) as rows of `LIST_COLUMNS` (same scope, filters
    and order)."""
    stmt = base if base is not None else filtered_cases(user, filters, load_advocates=False)
    return _with_names(stmt.with_only_columns(*LIST_COLUMNS, maintain_column_froms=True))


def _with_names(stmt: Select) -> Select:
    """The joins that bring a list row's enterprise and organization names."""
    return stmt.join(Enterprise, Enterprise.id == Case.enterprise_id).join(
        Organization, Organization.id == Case.handling_org_id
    )


def paginate_case_list(
    user: User,
    filters: dict,
    page: int,
    per_page: int,
    count_limit: int | None,
    *,
    columns: tuple[Any, ...] = LIST_COLUMNS,
) -> Page:
    """One page of the case list as rows of `columns` (some of `LIST_COLUMNS`), counted over
    the filtered cases alone.

    A deferred join: the page's ids are chosen first, from the cases table alone (scope,
    filters, order, OFFSET), and only those fifty are joined to their enterprises and
    organizations. The rows an OFFSET skips are then never read from the table nor joined: in
    the default order they come from `ix_cases_received_id`, which carries the handling
    organization for an officer's scope (an index-only scan). Page 20 of a town's list went from
    3.5 to 0.9 ms of PostgreSQL at a million cases. The first page stays at about 0.4 ms, or
    costs 0.05 ms more while its newest cases are not yet vacuumed (docs/performance.md, "The
    deferred join").

    The statements are built once per shape (the scope's form, which filters are given, the
    sort) and run with the user's and the filters' values as parameters: building them and
    their cache key cost more Python than running them (docs/performance.md, "Statements built
    once").
    A free-text search is built afresh: its form follows what the enterprise names matched."""
    from mediation.core.pagination import fetch_page

    # the cases taken over from an officer's or mediator's subtree are listed too, read-only
    # (docs/case-list.md "Taken-over cases")
    scope, sort = read_scope_shape(user), filters.get("sort") or DEFAULT_SORT
    capped = count_limit is not None
    if any(filters.get(name) for name in VALUED_FILTERS):
        statements = _list_statements(_filtered(scope, filters, user), sort, capped, columns)
        parameters = {}
    else:
        given = tuple(name for name in SHAPED_FILTERS if filters.get(name) is not None)
        per_organization = _read_per_organization(user, scope, filters, sort)
        statements = _shaped_list_statements(scope, given, sort, capped, columns, per_organization)
        parameters = _list_parameters(user, filters, given)
    return fetch_page(statements, parameters, page, per_page, count_limit=count_limit, rows=True)


@functools.lru_cache(maxsize=1024)
def _shaped_list_statements(
    scope: str,
    given: tuple[str, ...],
    sort: str,
    capped: bool,
    columns: tuple,
    per_organization: bool = False,
) -> PageStatements:
    """The list's statements for a shape, with every value a parameter. The shapes are few:
    four scopes, 2**7 combinations of filters, ten sorts, two sets of columns."""
    shape = dict.fromkeys(given, True) | {"sort": sort}
    base = _filtered(scope, shape, None)
    keys = None
    if per_organization:
        # each organization's part without the scope's and the organization filter's
        # conditions, which its organization meets (written twice, they made PostgreSQL
        # expect a tenth of the part's cases and sort them all)
        within = _filtered("all", {k: v for k, v in shape.items() if k != "org"}, None)
        keys = _per_organization(
            within.with_only_columns(Case.id, maintain_column_froms=True),
            _shape_organizations(scope, given),
            sort,
        )
    return _list_statements(base, sort, capped, columns, keys=keys)


# the sorts whose order follows the organization (a number begins with its organization's
# code): within a scope or an organization filter, a page is read per organization
PER_ORGANIZATION_SORTS = frozenset(("number",))


def _read_per_organization(user: User, scope: str, filters: dict, sort: str) -> bool:
    """Whether to read the page per organization (`_per_organization`): by number, on
    PostgreSQL, for a scope or an organization filter below the city, whose cases are then
    a few runs apart in the number's order. Only scopes of organizations qualify: each
    organization's part leaves the scope's condition to the organizations (an advocate's
    assigned cases are not an organization's). For the whole city (the city's officers, the
    city as the filter) the number's own index serves better than a part per organization
    (a hundred and more organizations, each read up to the page's end)."""
    if sort.lstrip("-") not in PER_ORGANIZATION_SORTS or scope not in ("all", "subtree"):
        return False
    tiers = [user.organization.tier] if scope == "subtree" else []
    if filters.get("org") is not None:
        chosen = db.session.get(Organization, filters["org"])
        if chosen is None:
            return False  # (no such organization: no cases either way)
        tiers.append(chosen.tier)
    return (
        any(tier != Tier.city for tier in tiers)
        and db.session.get_bind().dialect.name == "postgresql"
    )


def _shape_organizations(scope: str, given: tuple[str, ...]) -> Select:
    """The organizations whose cases a list of that shape may show (the scope's subtree and
    the organization filter's), with the same named parameters as `_filtered`'s."""
    organizations = select(Organization.id)
    if scope == "subtree":
        organizations = organizations.where(
            Organization.id.in_(literal_parameter("scope_org_ids", type_=None, expanding=True))
        )
    if "org" in given:
        root: BindParameter[int] = bindparam("filter_org", required=True)
        organizations = organizations.where(
            Organization.id.in_(subtree_ids_select(root, name="filter_org_organizations"))
        )
    return organizations


def _per_organization(keys: Select, organizations: Select, sort: str) -> Select:
    """`keys` (ids of cases, in the sort's order) merged from one page's reach per
    organization: `organizations` LATERAL each organization's first `page_reach` keys (an
    index range of `(handling_org_id, <sort>)`), in the same order, PostgreSQL only.

    In the order of the case number a town's cases are a few runs far apart (a number begins
    with its organization's code), so the list read the number's index from one end, past the
    other towns' cases, or sorted the whole scope: 80 to 460 ms a page at a million cases,
    against about 2 ms this way (docs/performance.md, "Indexes for every sort"). A page costs
    at most its reach (`page * per_page`) keys per organization."""
    column = CASE_SORTS[sort.lstrip("-")]
    org = organizations.subquery("list_organizations")
    branch = (
        keys.add_columns(column.label("sort_key"))
        .where(Case.handling_org_id == org.c.id)
        .limit(literal_parameter("page_reach"))
        .lateral("organization_keys")
    )
    ordering: list[ColumnElement[Any]] = [branch.c.sort_key, branch.c.id]
    if sort.startswith("-"):
        ordering = [key.desc() for key in ordering]
    return select(branch.c.id).select_from(org).join(branch, true()).order_by(*ordering)


def _list_statements(
    base: Select,
    sort: str,
    capped: bool,
    columns: tuple = LIST_COLUMNS,
    *,
    keys: Select | None = None,
) -> PageStatements:
    """The page's and the count's statements of `base`: a page's keys (`keys`, or `base`'s
    ids) cut first, then joined to `columns` (the deferred join of `paginate_case_list`)."""
    from mediation.core.pagination import page_statements

    ordering = case_ordering({"sort": sort})

    def rows_of(keys: Subquery) -> Select:
        page_rows = select(*columns).select_from(keys).join(Case, Case.id == keys.c.id)
        return _with_names(page_rows).order_by(*ordering)

    if keys is None:
        keys = base.with_only_columns(Case.id, maintain_column_froms=True)
    return page_statements(keys, count_stmt=base, capped=capped, rows_for_keys=rows_of)


def area_mediators(user: User) -> list[tuple[int, str]]:
    """`(id, name)` of the active mediators of the user's scope (everyone's for an
    administrator, none for an advocate): the "by mediator" filter's and the bulk assignment's
    choices. A mediator of an organization above the scope may also be assigned a case
    (`supervision.eligible_mediators`); the service checks each case."""
    from mediation.accounts.models import Role
    from mediation.accounts.scope import scope_org_ids

    if user.role == Role.advocate:
        return []
    stmt = select(User.id, User.display_name).where(
        User.role == Role.mediator, User.active.is_(True)
    )
    if user.role != Role.admin:
        stmt = stmt.where(User.organization_id.in_(scope_org_ids(user)))
    return [
        (row.id, row.display_name) for row in db.session.execute(stmt.order_by(User.display_name))
    ]
