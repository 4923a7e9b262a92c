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
    comparison = stats.compare(user, period, org_id, rollups=rollups)
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
        (N_("Mediations concluded"), data["mediations_concluded"]),
        (N_("of which agreements reached"), data["agreements_reached"]),
        (N_("Performance rate of agreements"), data["performance_rate"]),
        (N_("Agreements due"), data["agreements_due"]),
        (N_("of which performed"), data["agreements_performed_when_due"]),
        (N_("Carried over at the start"), data["carried_over"]),
        (N_("Open at the end"), data["open_at_end"]),
        (N_("Closure rate"), data["closure_rate"]),
        (N_("Average days to closure"), data["average_days_to_closure"]),
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
            LazyRows(lambda: ((_(stats.BUCKET_LABELS[b]), data["by_bucket"][b]) for b in (*stats.BUCKETS, "work_injury"))),
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
            LazyRows(lambda: ((_(stats.METHOD_LABELS[m]), data["closed_by_method"][m]) for m in (*stats.CLOSURE_METHODS, "final_award"))),
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
             N_("Amount claimed (yuan)"), N_("Amount recovered (yuan)"),
             N_("Mediation success rate"), N_("Open at the end"), N_("Average days to closure")],
            LazyRows(lambda: (
                (t["name"], t["received"], t["collective_cases"], t["workers_involved"],
                 t["closed"], t["performed"], yuan(t["claimed_fen"]), yuan(t["recovered_fen"]),
                 t["success_rate"], t["open_at_end"], t["average_days_to_closure"])
                for t in towns
            )),
        ),
        Table(
            N_("Comparison"),
            [N_("Indicator"), N_("This period"), N_("Year to date"), N_("Same period last year"),
             N_("Change on last year (%)")],
            LazyRows(lambda: (
                (_(COMPARED_LABELS[r["figure"]]), _number(r["period"]), _number(r["year_to_date"]),
                 _number(r["last_year"]), r["change"])
                for r in comparison["rows"]
            )),
        ),
        Table(
            N_("Special groups"),
            [N_("Group"), NP_("count", "Cases"), N_("Workers"), N_("Amount claimed (yuan)"),
             N_("Amount recovered (yuan)")],
            LazyRows(lambda: (
                (_(title), b["cases"], b["workers"], Decimal(b["claimed"]), Decimal(b["recovered"]))
                for title, b in (
                    (N_("Wage arrears"), data["wage_arrears"]),
                    (N_("of which migrant workers"), data["wage_arrears"]["migrant"]),
                    (N_("of which construction"), data["wage_arrears"]["construction"]),
                    (N_("Migrant workers (all cases)"), data["migrant_workers"]),
                    (N_("Construction (all cases)"), data["construction"]),
                )
            )),
        ),
        Table(
            N_("Breakdowns"),
            [N_("Breakdown"), N_("Code"), NP_("count", "Cases"), N_("Workers"), N_("Amount claimed (yuan)"),
             N_("Amount recovered (yuan)")],
            LazyRows(lambda: (
                (_(title), code, b["cases"], b["workers"], Decimal(b["claimed"]),
                 Decimal(b["recovered"]))
                for key, title in (
                    ("by_ownership", N_("By employer ownership")), ("by_sector", N_("By sector")),
                    ("by_channel", N_("By intake channel")),
                )
                for code, b in sorted(data[key].items())
            )),
        ),
    ]  # fmt: skip


# the comparison's rows (the page's labels)
COMPARED_LABELS = {
    "received": N_("Cases received"),
    "accepted": N_("Cases accepted"),
    "closed": N_("Cases closed"),
    "carried_over": N_("Carried over at the start"),
    "open_at_end": N_("Open at the end"),
    "closure_rate": N_("Closure rate"),
    "mediation_success_rate": N_("Mediation success rate"),
    "performance_rate": N_("Performance rate of agreements"),
    "collective_cases": N_("Collective cases"),
    "collective_workers": N_("Workers in collective cases"),
    "wage_arrears_cases": N_("Wage-arrears cases"),
    "wage_arrears_workers": N_("Workers owed wages"),
    "wage_arrears_claimed": N_("Wages owed (yuan)"),
    "wage_arrears_recovered": N_("Wages recovered (yuan)"),
    "red_alerts": N_("Red alerts raised"),
    "recovered": N_("Amount recovered (yuan)"),
}


def _number(value):
    """Amounts (yuan strings) as numbers: exports keep numbers as numbers."""
    return Decimal(value) if isinstance(value, str) else value


# --- the enterprise watch list ------------------------------------------------------------------

WATCH_HEADERS = [
    N_("Rank"), N_("Employer"), N_("Unified social credit code"), N_("Area"),
    N_("Highest alert"), N_("Open alerts"), N_("Open cases"), N_("Workers in open cases"),
    N_("Amount owed (yuan)"), N_("Cases in the last 90 days"), N_("Repeat complaints"),
    N_("Labour relations"), N_("Contact person"), N_("Contact phone"), N_("Contact e-mail"),
]  # fmt: skip


def _survey_flags(risk) -> str | None:
    """The labour-relations part of the risk, in words (docs/enterprise-file.md "Risk")."""
    words = [
        word
        for flag, word in (
            (risk.low_signing_rate, _("Low signing rate")),
            (risk.collective_expired, _("Collective contract expired")),
            (risk.no_current_survey, _("No survey this year")),
        )
        if flag
    ]
    return _(", ").join(words) or None


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
                _survey_flags(risk), entry.contact_person, entry.contact_phone, entry.contact_email,
            )  # fmt: skip

    return [Table(N_("Enterprise watch list"), WATCH_HEADERS, LazyRows(rows))]
