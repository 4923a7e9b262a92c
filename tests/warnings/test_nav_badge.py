"""The navigation's badge: the open alerts waiting in the viewer's inbox, "99+" beyond 99."""

from __future__ import annotations

from sqlalchemy import delete, update

from mediation.core.clock import utcnow
from mediation.extensions import db
from mediation.orgs.models import Tier
from mediation.warnings.models import Alert, AlertStatus, Notification
from tests.conftest import login
from tests.html import dom


def badge(client) -> str | None:
    """The badge's text on the case list page, or None when the page shows none."""
    page = client.get("/cases")
    assert page.status_code == 200
    found = dom(page).find_all("span", cls="nav-count")
    return found[0].text.strip() if found else None


def only_alerts(case, org, count: int, status: AlertStatus = AlertStatus.open) -> None:
    """Replace whatever the rules raised with `count` alerts on `case` for `org`."""
    db.session.execute(delete(Notification))
    db.session.execute(delete(Alert))
    add_alerts(case, org, count, status)


def add_alerts(case, org, count: int, status: AlertStatus, prefix: str = "rule") -> None:
    db.session.add_all(
        Alert(case_id=case.id, rule=f"{prefix}{n:03}", level="yellow", target_tier=Tier.town,
              target_org_id=org.id, status=status, raised_at=utcnow())
        for n in range(count)
    )  # fmt: skip
    db.session.commit()


def test_the_badge_counts_the_officers_open_alerts(client, users, orgs, make_case):
    case = make_case()
    only_alerts(case, orgs["T1"], 3)
    add_alerts(case, orgs["T1"], 2, AlertStatus.acknowledged, prefix="seen")
    add_alerts(case, orgs["T2"], 4, AlertStatus.open, prefix="other")
    login(client, users["officer"])
    assert badge(client) == "3"  # neither the acknowledged ones nor another town's
    db.session.execute(update(Alert).values(status=AlertStatus.acknowledged))
    db.session.commit()
    assert badge(client) is None  # nothing waiting: no badge


def test_the_administrator_sees_every_open_alert(client, users, orgs, make_case):
    case = make_case()
    only_alerts(case, orgs["T1"], 3)
    add_alerts(case, orgs["T2"], 4, AlertStatus.open, prefix="other")
    login(client, users["admin"])
    assert badge(client) == "7"


def test_beyond_99_the_badge_says_99_plus(client, users, orgs, make_case):
    case = make_case()
    only_alerts(case, orgs["T1"], 99)
    login(client, users["officer"])
    assert badge(client) == "99"
    add_alerts(case, orgs["T1"], 1, AlertStatus.open, prefix="more")
    assert badge(client) == "99+"
    add_alerts(case, orgs["T1"], 150, AlertStatus.open, prefix="most")
    assert badge(client) == "99+"


def test_mediators_and_advocates_have_no_badge(client, users, orgs, make_case):
    case = make_case()
    only_alerts(case, orgs["T1"], 5)
    for role in ("mediator", "advocate"):
        login(client, users[role])
        assert badge(client) is None


def test_without_the_sessions_lookup_the_badge_counts_by_itself(
    app, client, users, orgs, make_case
):
    """A user signed in some other way than through the session's lookup (which brings the
    count with the user) still gets the badge, counted on its own, and never the count an
    earlier request's lookup brought for someone else."""
    from flask_login import login_user

    from mediation.warnings.wiring import open_alert_badge

    case = make_case()
    only_alerts(case, orgs["T1"], 4)
    add_alerts(case, orgs["T2"], 3, AlertStatus.open, prefix="other")
    login(client, users["officer"])
    assert badge(client) == "4"  # through the session's lookup
    with app.test_request_context("/cases"):
        login_user(users["admin"])
        assert open_alert_badge() == "7"
    with app.test_request_context("/cases"):
        login_user(users["officer"])
        assert open_alert_badge() == "4"
    with app.test_request_context("/cases"):
        login_user(users["mediator"])
        assert open_alert_badge() == ""
