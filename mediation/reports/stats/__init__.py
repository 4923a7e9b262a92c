"""Statistics over the cases a user may see, for a period and an organization subtree.

One query layer for the reports page, `GET /api/v1/stats/summary` and the exports: `report()`
answers every figure with a fixed number of grouped statements (no statement per case, per
organization or per month), always inside the user's scope (`cases.scope.scope_filter`).

Which cases count where:
- received, accepted, kind, category, tier, collective, workers, claimed: cases *received* in the
  period (accepted = of those, the ones that went through `accept`);
- closed, closures by method and result, recovered, days to closure: cases *closed* in the period;
- agreed, days to agreement: cases whose (first) agreement was recorded in the period;
- success rate: agreements reached in the period of the mediations concluded in it (agreed, or
  ended without agreement: `cases.mediation_ended_at`); performance rate: agreements performed
  of those due in it; carried over / open at end: the stock at the period's bounds;
- breakdowns (ownership, sector, channel, migrant, construction, wage arrears): cases received;
- arbitration stage: the cases in arbitration at the report's moment;
- alerts, time to acknowledgement: alerts *raised* in the period on cases in scope.

The moments of acceptance and of the first agreement are read from `cases.accepted_at` and
`cases.agreed_at` (copies of the events' moments), so no figure reads `case_events`; the moments
of the first town and city alerts from `cases.first_town_alert_at` / `first_city_alert_at`, so
the days at each tier do not read the alerts. The cases received in the period are read once
for every count by state, kind, category, tier, month and handling organization, and those
closed in it once for every count by outcome, month and organization (`Rollups`, shared by
`report()`, `by_town()` and `series()`; it also holds the other parts of a report and, on
PostgreSQL, reads them at the same time on separate connections). Medians are computed by the
database on PostgreSQL (`percentile_cont(0.5)`, the same interpolation as `statistics.median`)
and in Python over the durations fetched in one statement on SQLite.

The modules, by what makes them change:
- `periods`: what a period is (its bounds, months and weeks);
- `definitions`: what counts as what in the official tables, and the labels;
- `scoping`: which cases and alerts a viewer's statistics may count;
- `dialect`: every PostgreSQL/SQLite difference, one object per backend;
- `grouping`: the grouping-sets engine (one grouped read answering several groupings);
- `durations`: days, medians and the alerts' hours to acknowledgement, both ways;
- `tiers`: the days at each tier, both ways;
- `parts`: the parts of a report, read once and shared (`Rollups`);
- `threads`: reading the parts at the same time in worker threads (PostgreSQL);
- `summary`: the figures assembled for the page, the API and the exports, and the comparison
  with the year to date and the same period last year (`compare`).

The definitions and their official sources: docs/statistics.md.
"""

from mediation.cases.enums import BUCKET_LABELS, BUCKETS, COLLECTIVE_WORKERS, EXTRA_BUCKETS
from mediation.reports.stats.definitions import (
    CLOSURE_METHOD,
    CLOSURE_METHODS,
    CLOSURE_RESULTS,
    EXTRA_METHODS,
    METHOD_LABELS,
    NOT_MEDIATED,
    RESULT_LABELS,
)
from mediation.reports.stats.durations import median
from mediation.reports.stats.parts import (
    COMPARE_PARTS,
    PARTS,
    REPORT_PARTS,
    SERIES_PARTS,
    TOWN_PARTS,
    Rollups,
    days_at_tier,
)
from mediation.reports.stats.periods import Period
from mediation.reports.stats.summary import COMPARED, RATES, by_town, compare, report, series

__all__ = [
    "BUCKETS",
    "BUCKET_LABELS",
    "CLOSURE_METHOD",
    "CLOSURE_METHODS",
    "CLOSURE_RESULTS",
    "COLLECTIVE_WORKERS",
    "COMPARED",
    "COMPARE_PARTS",
    "EXTRA_BUCKETS",
    "EXTRA_METHODS",
    "METHOD_LABELS",
    "NOT_MEDIATED",
    "PARTS",
    "RATES",
    "REPORT_PARTS",
    "RESULT_LABELS",
    "SERIES_PARTS",
    "TOWN_PARTS",
    "Period",
    "Rollups",
    "by_town",
    "compare",
    "days_at_tier",
    "median",
    "report",
    "series",
]
