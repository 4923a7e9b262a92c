"""Print-ready pages of a case's documents (mediators, officers, administrators; in scope)."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, current_app, render_template, request, url_for
from flask_babel import force_locale
from flask_babel.speaklater import LazyString
from flask_login import current_user, login_required

from mediation.cases import documents
from mediation.cases.enums import ReferralTarget
from mediation.cases.models import Case
from mediation.cases.scope import get_visible_case
from mediation.core.i18n import DEFAULT_LOCALE, LANGUAGE_NAMES, LANGUAGES, lazy_gettext

bp = Blueprint("documents", __name__)

NOTICE_LABELS = {
    documents.FAILED: lazy_gettext("Print notice of mediation failure"),
    documents.ENDED: lazy_gettext("Print notice of termination of mediation"),
    documents.DEFAULTED: lazy_gettext("Print notice of non-performance"),
}


def _linkage() -> bool:
    """Whether a local mediation-arbitration linkage lets the union transfer a case to the
    arbitration commission (with the party's application): a setting, off by default."""
    return bool(current_app.config["MEDIATION_ARBITRATION_LINKAGE"])


def _agreement_link(case: Case) -> LazyString | None:
    return lazy_gettext("Print mediation agreement") if documents.has_agreement(case) else None


def _notice_link(case: Case) -> LazyString | None:
    kind = documents.notice_kind(case)
    return None if kind is None else NOTICE_LABELS[kind]


def _referral_link(case: Case) -> LazyString | None:
    if not documents.has_referral(case, _linkage()):
        return None
    if case.referral_target == ReferralTarget.arbitration:
        return lazy_gettext("Print transfer letter")
    return lazy_gettext("Print referral letter")


# each document's key (its endpoint) and the label of its link on the case page, None when the
# case has no such document now
DOCUMENTS: tuple[tuple[str, Callable[[Case], LazyString | None]], ...] = (
    ("agreement", _agreement_link),
    ("notice", _notice_link),
    ("referral", _referral_link),
)


@bp.app_context_processor
def _document_links() -> dict[str, Callable[[Case], list[dict]]]:
    def case_documents(case: Case) -> list[dict]:
        """The documents of `case` the signed-in user may print now (for the case page)."""
        if current_user.role not in documents.DOCUMENT_ROLES:
            return []
        links = []
        for key, label_of in DOCUMENTS:
            label = label_of(case)
            if label is not None:
                url = url_for(f"documents.{key}", case_id=case.id)
                links.append({"key": key, "label": label, "url": url})
        return links

    return {"case_documents": case_documents}


def _render(template: str, context: dict) -> str:
    """The documents are official Chinese forms, whatever language the user reads the UI in;
    `?lang=en` gives an English reading copy (the toolbar links the other language)."""
    chosen = request.args.get("lang")
    locale = chosen if chosen in LANGUAGES else DEFAULT_LOCALE
    other = next(code for code in LANGUAGES if code != locale)
    with force_locale(locale):
        return render_template(
            template,
            **context,
            document_lang=locale,
            other_lang={"code": other, "name": LANGUAGE_NAMES[other]},
        )


@bp.route("/cases/<id:case_id>/documents/agreement")
@login_required
def agreement(case_id: int) -> str:
    documents.check_role(current_user)
    case = get_visible_case(current_user, case_id)
    return _render("documents/agreement.html", documents.agreement_document(case))


@bp.route("/cases/<id:case_id>/documents/notice")
@login_required
def notice(case_id: int) -> str:
    documents.check_role(current_user)
    case = get_visible_case(current_user, case_id)
    return _render("documents/notice.html", documents.notice_document(case))


@bp.route("/cases/<id:case_id>/documents/referral")
@login_required
def referral(case_id: int) -> str:
    documents.check_role(current_user)
    case = get_visible_case(current_user, case_id)
    return _render("documents/referral.html", documents.referral_document(case, _linkage()))
