"""The case history's filter (people's entries / alerts / state changes) and the case page's
print layout for the paper case file."""

from __future__ import annotations

from mediation.cases.enums import EventKind
from mediation.cases.facts import add_note
from mediation.cases.timeline import TIMELINE_FILTERS
from tests.conftest import login
from tests.html import dom


def test_every_event_kind_is_in_exactly_one_group():
    groups = [kind for kinds in TIMELINE_FILTERS.values() for kind in kinds]
    assert sorted(groups) == sorted(EventKind)


def _kinds(client, case, only: str | None = None) -> set[str]:
    url = f"/cases/{case.id}" + (f"?timeline={only}" if only is not None else "")
    page = dom(client.get(url))
    return {li.attrs["data-kind"] for li in page.find(id="timeline").find_all("li")}


def test_the_filter_shows_one_group_and_everything_by_default(client, users, make_case):
    case = make_case(workers_involved=12)  # a collective case: an alert at once
    add_note(case.id, users["mediator"], {"kind": "note", "body": "电话联系企业负责人"})
    login(client, users["mediator"])
    everything = _kinds(client, case)
    assert {"created", "note", "alert"} <= everything
    assert _kinds(client, case, "people") == {"note"}
    assert _kinds(client, case, "alerts") == {"alert"}
    assert _kinds(client, case, "transitions") == {"created"}
    assert _kinds(client, case, "nonsense") == everything  # an unknown filter shows all
    chosen = dom(client.get(f"/cases/{case.id}?timeline=alerts")).find(
        "a", **{"aria-current": "true"}
    )
    assert chosen is not None and chosen.attrs["data-filter"] == "alerts"
