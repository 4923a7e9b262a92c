"""The documents of a collective dispute name its representatives and carry each worker's
amount; the payment-order referral lists one creditor per worker (docs/collective.md
"Documents")."""

from __future__ import annotations

from datetime import timedelta

from mediation.cases import roster, services
from mediation.cases.documents import allocate
from mediation.core.clock import local_date, utcnow
from tests.conftest import login, trigger_payload, valid_id_number
from tests.html import dom


def test_allocate_shares_a_total_exactly_in_proportion():
    assert allocate(100, [1, 1, 1]) == [34, 33, 33]
    assert allocate(60_000_00, [5_000_00] * 12) == [5_000_00] * 12
    assert allocate(10, [0, 0]) == [5, 5]
    assert sum(allocate(99_999, [3, 7, 11])) == 99_999


def _collective_case(make_case, users, now):
    case = make_case(now=now, claim_amount="60000.00", workers_involved=12)
    workers = [
        {"name": f"工人{n:02d}", "id_number": valid_id_number(serial=300 + n),
         "amount_owed": "5000.00", "representative": n < 3}
        for n in range(12)
    ]  # fmt: skip
    return roster.replace_roster(
        case.id, users["mediator"], {"workers": workers, "version": case.version}, now=now
    )


def test_the_agreement_names_the_representatives_and_each_workers_amount(client, users, make_case):
    now = utcnow()
    case = _collective_case(make_case, users, now)
    for trigger in ("accept", "begin_mediation"):
        services.fire_trigger(case.id, trigger, users["officer"], trigger_payload(trigger, users))
    agreement = trigger_payload("record_agreement", users) | {"agreement_amount": "48000.00"}
    services.fire_trigger(case.id, "record_agreement", users["officer"], agreement)
    login(client, users["mediator"])
    doc = dom(client.get(f"/cases/{case.id}/documents/agreement")).find(id="agreement-document")
    reps = doc.find(**{"data-field": "representatives"}).text
    assert "工人00" in reps and "工人02" in reps and "工人03" not in reps
    rows = doc.find(**{"data-field": "workers"}).find("tbody").find_all("tr")
    assert len(rows) == 12
    assert [int(r.attrs["data-fen"]) for r in rows] == [4000_00] * 12


def test_the_payment_order_referral_lists_each_creditor_outstanding(client, users, make_case):
    past = utcnow() - timedelta(days=30)
    case = _collective_case(make_case, users, past)
    for trigger in ("accept", "begin_mediation"):
        services.fire_trigger(
            case.id, trigger, users["officer"], trigger_payload(trigger, users), now=past
        )
    due = (local_date(past) + timedelta(days=5)).isoformat()
    services.fire_trigger(
        case.id, "record_agreement", users["officer"],
        {"terms": "分两次支付", "agreement_amount": "60000.00", "agreement_due_on": due}, now=past,
    )  # fmt: skip
    services.fire_trigger(case.id, "record_payment", users["officer"], {"paid_amount": "12000.00"})
    services.fire_trigger(case.id, "report_default", users["officer"], {"reason": "逾期未付"})
    services.fire_trigger(
        case.id, "refer", users["officer"],
        {"referral_target": "payment_order", "referral_reference": "江法督〔2026〕9号"},
    )  # fmt: skip
    login(client, users["mediator"])
    doc = dom(client.get(f"/cases/{case.id}/documents/referral")).find(id="referral-document")
    rows = doc.find(**{"data-field": "workers"}).find("tbody").find_all("tr")
    outstanding = [int(r.attrs["data-fen"]) for r in rows]
    assert len(outstanding) == 12 and sum(outstanding) == 48000_00
    assert outstanding == [4000_00] * 12
