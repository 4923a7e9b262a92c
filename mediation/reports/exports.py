"""The statistics tables and the watch list as tables to export (`core.tables` writes them)."""

from __future__ import annotations

from decimal import Decimal

from mediation.accounts.models import User
from mediation.cases.enums import CaseKind
from mediation.cases.enums import WarningLevel as Level
from mediation.core.i18n import _
from mediation.core.messages import N_, NP_
from mediation.core.tables import LazyRows, Table, translated_rows, yes_no, yuan
from mediation.orgs.models import Tier
from mediation.reports import stats

# --- the statistics tables ----------------------------------------------------------------------


def stats_tables(user: User, period: stats.Period, org_id: int | None = None) -> list[Table]:
    """The tables of the reports page, from the same query layer."""
    rollups = stats.Rollups(user, period, org_id)  # read once for both
    rollups.prefetch(*stats.REPORT_PARTS)
    data = stats.report(user, period, org_id, rollups=rollups)
    towns = stats.by_town(user, period, org_id, rollups=rollups)
    amounts = data["amounts"]
    overview = [
        (N_("Period start"), period.start),
        (N_("Period end"), period.end),
        (N_("Cases received"), data["received"]),
        (N_("Cases accepted"), data["accepted"]),
        (N_("Cases closed"), data["closed"]),
        (N_("Collective cases"), data["collective_cases"]),
        (N_("Workers involved"), data["workers_involved"]),
        (N_("Workers in collective cases"), data["collective_workers"]),
        (N_("Cases for provincial key monitoring"), data["provincial_key_cases"]),
        (N_("Mediation success rate"), data["mediation_success_rate"]),
        (N_("Median days from receipt to agreement"), data["median_days_to_agreement"]),
        (N_("Median days from receipt to closure"), data["median_days_to_closure"]),
        (N_("Amount claimed (yuan)"), Decimal(amounts["claimed"])),
        (N_("Amount agreed (yuan)"), Decimal(amounts["agreed"])),
        (N_("Amount recovered (yuan)"), Decimal(amounts["recovered"])),
        (N_("Median hours to acknowledge an alert"), data["median_hours_to_acknowledgement"]),
    ]
    ack = data["median_hours_to_acknowledgement_by_level"]
    tiers = data["days_at_tier"]
    return [
        Table(NP_("report", "Overview"), [N_("Indicator"), N_("Value")], LazyRows(lambda: translated_rows(overview))),
        Table(
            N_("By category"), [N_("Statistics category"), NP_("count", "Cases")],
            LazyRows(lambda: ((_(stats.BUCKET_LABELS[b]), data["by_bucket"][b]) for b in stats.BUCKETS)),
        ),
        Table(
            N_("By type"), [N_("Type"), NP_("count", "Cases")],
            LazyRows(lambda: ((str(k.label), data["by_kind"].get(k.value, 0)) for k in CaseKind)),
        ),
        Table(
            N_("By tier"), [N_("Supervising tier"), NP_("count", "Cases"), N_("Cases supervised there"),
                            N_("Total days"), N_("Median days")],
            LazyRows(lambda: (
                (str(t.label), data["by_tier"].get(t.value, 0), tiers[t.value]["cases"],
                 tiers[t.value]["total_days"], tiers[t.value]["median_days"])
                for t in Tier
            )),
        ),
        Table(
            N_("Closures"), [N_("Method of closure"), NP_("count", "Cases")],
            LazyRows(lambda: ((_(stats.METHOD_LABELS[m]), data["closed_by_method"][m]) for m in stats.CLOSURE_METHODS)),
        ),
        Table(
            N_("Results"), [N_("Result"), NP_("count", "Cases")],
            LazyRows(lambda: ((_(stats.RESULT_LABELS[r]), data["closed_by_result"][r]) for r in stats.CLOSURE_RESULTS)),
        ),
        Table(
            N_("Alerts"), [N_("Warning level"), N_("Alerts raised"), N_("Median hours to acknowledge")],
            LazyRows(lambda: (
                (str(lv.label), data["alerts_by_level"].get(lv.value, 0), ack.get(lv.value))
                for lv in Level
            )),
        ),
        Table(
            N_("By town"),
            [N_("Organization"), N_("Cases received"), N_("Collective cases"),
             N_("Workers involved"), N_("Cases closed"), N_("Agreements performed"),
             N_("Amount claimed (yuan)"), N_("Amount recovered (yuan)")],
            LazyRows(lambda: (
                (t["name"], t["received"], t["collective_cases"], t["workers_involved"],
                 t["closed"], t["performed"], yuan(t["claimed_fen"]), yuan(t["recovered_fen"]))
                for t in towns
            )),
        ),
    ]  # fmt: skip


# --- the enterprise watch list ------------------------------------------------------------------

WATCH_HEADERS = [
    N_("Rank"), N_("Employer"), N_("Unified social credit code"), N_("Area"),
    N_("Highest alert"), N_("Open alerts"), N_("Open cases"), N_("Workers in open cases"),
    N_("Amount owed (yuan)"), N_("Cases in the last 90 days"), N_("Repeat complaints"),
    N_("Contact person"), N_("Contact phone"), N_("Contact e-mail"),
]  # fmt: skip


def watch_tables(user: User) -> list[Table]:
    from mediation.reports.watchlist import watch_list

    def rows():
        for rank, entry in enumerate(watch_list(user), 1):
            risk = entry.risk
            yield (
                rank, entry.name, entry.credit_code, entry.area,
                str(risk.highest_level.label) if risk.highest_level else None,
                risk.open_alerts, risk.open_cases, risk.workers_involved,
                yuan(risk.amount_owed_fen), entry.recent_cases, yes_no(entry.is_repeat),
                entry.contact_person, entry.contact_phone, entry.contact_email,
            )  # fmt: skip

    return [Table(N_("Enterprise watch list"), WATCH_HEADERS, LazyRows(rows))]
