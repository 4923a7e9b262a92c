"""A return's tables, built from whatever `reports.stats.report()` and `by_town()` answer
(docs/returns.md "Tables").

Nothing here names a figure's value: the overview iterates the scalar figures of a report (those
labelled in `FIGURES` first, in its order, then any others), each breakdown iterates its label
dictionary (`BREAKDOWNS`: the statistics' own `BUCKET_LABELS`, `METHOD_LABELS`, … and the enums'
words) and then any code the data brings that the dictionary lacks, and the per-town table
iterates the towns' numeric keys. A figure that `report()` gains therefore appears in the
return at once (under its key until it is given a label here).

The tables are plain JSON, what a submitted return freezes: each label is kept in both
languages as written at that moment (`{"zh": …, "en": …}`), each value as a number (money as a
yuan string), with its kind (count, money, rate, days, hours) for showing and exporting.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from mediation.accounts.models import User
from mediation.cases.enums import CaseKind, Category, Outcome, WarningLevel
from mediation.core.i18n import DEFAULT_LOCALE, _, force_locale
from mediation.core.messages import N_
from mediation.core.money import fen_to_yuan
from mediation.orgs.models import Tier
from mediation.reports import stats
from mediation.returns.periods import ReturnPeriod

COUNT, MONEY, RATE, DAYS, HOURS = "count", "money", "rate", "days", "hours"
# the change on last year: in percent of last year's figure, or (rates) in percentage points
PERCENT, POINTS = "percent", "points"

# the scalar figures, labelled, in the overview's order; a nested mapping of scalars (amounts)
# is flattened to "outer.inner"
FIGURES: dict[str, tuple[str, str]] = {
    "received": (N_("Cases received"), COUNT),
    "accepted": (N_("Cases accepted"), COUNT),
    "closed": (N_("Cases closed"), COUNT),
    "collective_cases": (N_("Collective cases"), COUNT),
    "workers_involved": (N_("Workers involved"), COUNT),
    "collective_workers": (N_("Workers in collective cases"), COUNT),
    "provincial_key_cases": (N_("Cases for provincial key monitoring"), COUNT),
    "performed": (N_("Agreements performed"), COUNT),
    "mediation_success_rate": (N_("Mediation success rate"), RATE),
    "median_days_to_agreement": (N_("Median days from receipt to agreement"), DAYS),
    "median_days_to_closure": (N_("Median days from receipt to closure"), DAYS),
    "amounts.claimed": (N_("Amount claimed (yuan)"), MONEY),
    "amounts.agreed": (N_("Amount agreed (yuan)"), MONEY),
    "amounts.recovered": (N_("Amount recovered (yuan)"), MONEY),
    "claimed": (N_("Amount claimed (yuan)"), MONEY),
    "recovered": (N_("Amount recovered (yuan)"), MONEY),
    "median_hours_to_acknowledgement": (N_("Median hours to acknowledge an alert"), HOURS),
}


def _enum_labels(enum_cls: Any) -> Callable[[], Mapping[str, Any]]:
    return lambda: {member.value: member.label for member in enum_cls}


# each breakdown of a report: its table's title, its first column and its labels (code → word)
BREAKDOWNS: dict[str, tuple[str, str, Callable[[], Mapping[str, Any]]]] = {
    "by_bucket": (N_("By statistics category"), N_("Statistics category"),
                  lambda: stats.BUCKET_LABELS),
    "by_category": (N_("By category"), N_("Category"), _enum_labels(Category)),
    "by_kind": (N_("By type"), N_("Type"), _enum_labels(CaseKind)),
    "closed_by_method": (N_("Closures by method"), N_("Method of closure"),
                         lambda: stats.METHOD_LABELS),
    "closed_by_result": (N_("Awards by result"), N_("Result"), lambda: stats.RESULT_LABELS),
    "closed_by_outcome": (N_("Closures by outcome"), N_("Outcome"), _enum_labels(Outcome)),
    "by_tier": (N_("By supervising tier"), N_("Supervising tier"), _enum_labels(Tier)),
    "alerts_by_level": (N_("Alerts raised"), N_("Warning level"), _enum_labels(WarningLevel)),
    # the official statistics' blocks (docs/statistics.md)
    "red_alerts": (N_("Red alerts and their handling"), N_("Item"), dict),
    "construction": (N_("Construction projects' cases"), N_("Item"), dict),
}  # fmt: skip

# what a return leaves out: the report's own bounds, the cases' state today (not a figure of
# the period) and the nested operational figures of the reports page
SKIPPED = frozenset(
    {"period", "organization_id", "by_state", "days_at_tier",
     "median_hours_to_acknowledgement_by_level"}
)  # fmt: skip
# keys of a town's row that are not figures
TOWN_SKIPPED = frozenset({"organization_id", "name", "tier"})

COMPARISON_HEADERS = (
    N_("This period"), N_("Year to date"), N_("Same period last year"),
    N_("Change on last year"),
)  # fmt: skip


def both(text: Any) -> dict[str, str]:
    """A label in both languages, as written now (a msgid, a lazy word or plain text)."""
    out = {}
    for key, locale in (("zh", DEFAULT_LOCALE), ("en", "en")):
        with force_locale(locale):
            out[key] = _(text) if isinstance(text, str) else str(text)
    return out


def _humanize(key: str) -> str:
    return key.replace(".", " ").replace("_", " ").capitalize()


def _is_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float | Decimal):
        return True
    if isinstance(value, str):
        try:
            Decimal(value)
        except InvalidOperation:
            return False
        return True
    return False


def _kind(key: str, value: Any) -> str:
    if key in FIGURES:
        return FIGURES[key][1]
    if isinstance(value, str) or key.startswith("amounts.") or key.endswith("_amount"):
        return MONEY
    if "rate" in key:
        return RATE
    if "hours" in key:
        return HOURS
    if "days" in key:
        return DAYS
    return COUNT if isinstance(value, int) else DAYS


def _plain(kind: str, value: Any) -> Any:
    """A value as JSON keeps it: money as a yuan string, the rest as numbers."""
    if value is None:
        return None
    if kind == MONEY:
        return f"{Decimal(value):.2f}"
    if isinstance(value, Decimal):
        return float(value)
    return value


# the nested mappings whose members are figures of their own (the rest become tables)
_FLATTENED = frozenset({"amounts"})


def in_yuan(row: Mapping[str, Any]) -> dict[str, Any]:
    """A mapping with its amounts in fen (`…_fen`) as yuan under the key without the suffix,
    unless that key is there already."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        if key.endswith("_fen") and isinstance(value, int) and not isinstance(value, bool):
            if key[: -len("_fen")] not in row:
                out[key[: -len("_fen")]] = fen_to_yuan(value)
            continue
        out[key] = in_yuan(value) if isinstance(value, Mapping) else value
    return out


def scalars(report: Mapping[str, Any]) -> dict[str, Any]:
    """The report's scalar figures by key (`amounts` and its like flattened to "outer.inner")."""
    found: dict[str, Any] = {}
    for key, value in in_yuan(report).items():
        if key in SKIPPED:
            continue
        if isinstance(value, Mapping):
            if key in _FLATTENED:
                found.update({f"{key}.{inner}": v for inner, v in value.items()})
        elif value is None or _is_number(value):
            found[key] = value
    return found


def _change(kind: str, this: Any, last: Any) -> tuple[float | None, str]:
    if this is None or last is None:
        return None, PERCENT
    if kind == RATE:
        return round((float(this) - float(last)) * 100, 1), POINTS
    if kind in (DAYS, HOURS):
        return None, PERCENT
    last_n = float(Decimal(str(last)))
    if not last_n:
        return None, PERCENT
    return round((float(Decimal(str(this))) - last_n) / last_n * 100, 1), PERCENT


def _row(label: Any, kind: str, values: list[Any]) -> dict:
    change, change_kind = _change(kind, values[0], values[2])
    return {
        "label": both(label),
        "kinds": [kind, kind, kind, change_kind],
        "values": [_plain(kind, v) for v in values] + [change],
    }


def _comparison_table(key: str, title: str, first: str, rows: list[dict]) -> dict:
    return {
        "key": key,
        "title": both(title),
        "headers": [both(first)] + [both(h) for h in COMPARISON_HEADERS],
        "rows": rows,
    }


def overview(reports: Sequence[Mapping[str, Any]]) -> dict:
    """The scalar figures of the period, the year to date and the same period last year."""
    figures = [scalars(r) for r in reports]
    keys = [k for k in FIGURES if any(k in f for f in figures)]
    keys += [k for f in figures for k in f if k not in FIGURES and k not in keys]
    rows = []
    for key in dict.fromkeys(keys):
        values = [f.get(key) for f in figures]
        present = next((v for v in values if v is not None), None)
        kind = _kind(key, present)
        label = FIGURES[key][0] if key in FIGURES else _humanize(key)
        rows.append(_row(label, kind, values))
    return _comparison_table("overview", N_("Main figures"), N_("Indicator"), rows)


def breakdowns(reports: Sequence[Mapping[str, Any]]) -> list[dict]:
    """One table per breakdown of the report: its labelled codes, then any others."""
    keys = [k for k in BREAKDOWNS if any(k in r for r in reports)]
    keys += [
        k for r in reports for k, v in r.items()
        if k not in SKIPPED and k not in BREAKDOWNS and k not in _FLATTENED
        and isinstance(v, Mapping) and v and all(x is None or _is_number(x) for x in v.values())
    ]  # fmt: skip
    tables = []
    for key in dict.fromkeys(keys):
        title, first, labels = BREAKDOWNS.get(key, (_humanize(key), N_("Item"), dict))
        words = dict(labels())
        data = [r.get(key) or {} for r in reports]
        codes = list(words) + [c for d in data for c in d if c not in words]
        rows = []
        for code in dict.fromkeys(codes):
            values = [d.get(code, 0) for d in data]
            kind = _kind(key, next((v for v in values if v is not None), 0))
            rows.append(_row(words.get(code, code), kind, values))
        tables.append(_comparison_table(key, title, first, rows))
    return tables


def town_table(towns: Sequence[Mapping[str, Any]]) -> dict:
    """The period's figures per town (and the city's own cases), one column per numeric key;
    money kept once (the yuan figure, not its fen twin)."""
    towns = [in_yuan(town) for town in towns]
    keys: list[str] = []
    for town in towns:
        for key, value in town.items():
            if key in TOWN_SKIPPED or key in keys or not _is_number(value):
                continue
            keys.append(key)
    keys.sort(key=lambda k: list(FIGURES).index(k) if k in FIGURES else len(FIGURES))
    kinds = [_kind(k, next((t.get(k) for t in towns), None)) for k in keys]
    return {
        "key": "by_town",
        "title": both(N_("By town")),
        "headers": [both(N_("Organization"))]
        + [both(FIGURES[k][0] if k in FIGURES else _humanize(k)) for k in keys],
        "rows": [
            {
                "label": {"zh": t["name"], "en": t["name"]},
                "kinds": kinds,
                "values": [_plain(kind, t.get(k)) for k, kind in zip(keys, kinds, strict=True)],
            }
            for t in towns
        ],
    }


def build(user: User, period: ReturnPeriod, org_id: int, *, with_towns: bool) -> list[dict]:
    """Every table of a return: the period, the year to date and the same period last year side
    by side, and (a city's return) the period per town."""
    reports = [
        stats.report(user, p, org_id) for p in (period.stats, period.year_to_date, period.last_year)
    ]
    tables = [overview(reports), *breakdowns(reports)]
    if with_towns:
        tables.append(town_table(stats.by_town(user, period.stats, org_id)))
    return tables
