"""What counts as what in the official statistics tables: collective cases, the statistics
buckets, how a closure counts by method and result, and the labels the tables show."""

from __future__ import annotations

from mediation.cases.enums import Outcome, ReferralTarget
from mediation.core.messages import N_

NOT_MEDIATED = (Outcome.not_accepted, Outcome.withdrawn)

# How a closure counts in the official tables (docs/statistics.md "Closure methods"): union
# mediation on its own line, then mediation in arbitration, arbitral award (of which final
# awards), other methods. Only the arbitration commission's rulings are awards: a judgment, a
# payment order or what the police or the labour inspection obtained close "otherwise". A
# dismissed claim and a withdrawn or rejected application close otherwise; so does an agreement
# closed partly performed (partial payment is not performance: docs/domain.md "The mediation
# agreement").
CLOSURE_METHODS = ("union_mediation", "arbitration_mediation", "award", "other")
# figures of `closed_by_method` besides the lines: the final awards among the awards, and both
# mediations together (the single line of the earlier tables, kept for the frozen returns)
EXTRA_METHODS = ("final_award", "mediation")
RULINGS = (Outcome.worker_won, Outcome.employer_won, Outcome.partly)


def closure_method(outcome: Outcome, referral_target: ReferralTarget | None) -> str:
    """The line of the closure methods a closure counts on."""
    arbitration = referral_target in (None, ReferralTarget.arbitration)
    if outcome == Outcome.agreement_performed:
        return "union_mediation"
    if outcome == Outcome.mediated_in_arbitration:
        return "arbitration_mediation" if arbitration else "other"
    if outcome in RULINGS:
        return "award" if arbitration else "other"
    return "other"


# the line each outcome counts on when the referral is to arbitration (the documentation's
# table; `closure_method` decides)
CLOSURE_METHOD = {outcome: closure_method(outcome, None) for outcome in Outcome}
CLOSURE_RESULTS = ("worker_won", "employer_won", "partly")
METHOD_LABELS = {
    "union_mediation": N_("Union mediation"),
    "arbitration_mediation": N_("Mediation in arbitration"),
    "award": N_("Arbitral award"),
    "final_award": N_("of which final awards"),
    "mediation": N_("Mediation (union and in arbitration)"),
    "other": N_("Other means"),
}
RESULT_LABELS = {
    "worker_won": N_("Worker won"),
    "employer_won": N_("Employer won"),
    "partly": N_("Partly upheld for each side"),
}
