"""What counts as what in the official statistics tables: collective cases, the statistics
buckets, how a closure counts by method and result, and the labels the tables show."""

from __future__ import annotations

from mediation.cases.enums import Outcome
from mediation.core.messages import N_, NP_

NOT_MEDIATED = (Outcome.not_accepted, Outcome.withdrawn)

# How a closure counts in the official tables: by method (mediation, award, other) and, for
# awards, by result. A dismissed claim and a withdrawn or rejected application close "otherwise";
# so does an agreement closed partly performed, a failure of mediation (partial payment is not
# performance: docs/domain.md "The mediation agreement"), which the success rate counts among
# the mediated closures that were not performed.
CLOSURE_METHODS = ("mediation", "award", "other")
CLOSURE_METHOD = {
    Outcome.agreement_performed: "mediation",
    Outcome.partly_performed: "other",
    Outcome.mediated_in_arbitration: "mediation",
    Outcome.worker_won: "award",
    Outcome.employer_won: "award",
    Outcome.partly: "award",
    Outcome.dismissed: "other",
    Outcome.withdrawn: "other",
    Outcome.not_accepted: "other",
    # (never counted: `scoping.scoped` leaves merged reports out; docs/collective.md "Merge")
    Outcome.merged: "other",
}
CLOSURE_RESULTS = ("worker_won", "employer_won", "partly")
METHOD_LABELS = {
    "mediation": NP_("closure method", "Mediation"),
    "award": N_("Arbitral award or judgment"),
    "other": N_("Other means"),
}
RESULT_LABELS = {
    "worker_won": N_("Worker won"),
    "employer_won": N_("Employer won"),
    "partly": N_("Partly upheld for each side"),
}
