"""Print-ready pages of a case's documents (mediators, officers, administrators; in scope)."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, render_template, url_for
from flask_babel import force_locale
from flask_login import current_user, login_required

from mediation.cases import documents
from mediation.cases.models import Case
from mediation.cases.scope import get_visible_case
from mediation.core.i18n import DEFAULT_LOCALE, lazy_gettext

bp = Blueprint("documents", __name__)


DOCUMENTS = (
    ("agreement", lazy_gettext("Print mediation agreement"), documents.has_agreement),
    ("referral", lazy_gettext("Print referral letter"), documents.has_referral),
)


@bp.app_context_processor
def _document_links() -> dict[str, Callable[[Case], list[dict]]]:
    def case_documents(case: Case) -> list[dict]:
        """The documents of `case` the signed-in user may print now (for the case page)."""
        if current_user.role not in documents.DOCUMENT_ROLES:
            return []
        return [
            {"key": key, "label": label, "url": url_for(f"documents.{key}", case_id=case.id)}
            for key, label, available in DOCUMENTS
            if available(case)
        ]

    return {"case_documents": case_documents}


def _render(template: str, context: dict) -> str:
    # the documents are official Chinese forms, whatever language the user reads the UI in
    with force_locale(DEFAULT_LOCALE):
        return render_template(template, **context)


@bp.route("/cases/<id:case_id>/documents/agreement")
@login_required
def agreement(case_id: int) -> str:
    documents.check_role(current_user)
    case = get_visible_case(current_user, case_id)
    return _render("documents/agreement.html", documents.agreement_document(case))


@bp.route("/cases/<id:case_id>/documents/referral")
@login_required
def referral(case_id: int) -> str:
    documents.check_role(current_user)
    case = get_visible_case(current_user, case_id)
    return _render("documents/referral.html", documents.referral_document(case))
