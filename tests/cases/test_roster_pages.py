"""The roster, duplicates, merge and split on the case's page and at intake (docs/collective.md)."""

from __future__ import annotations

import io

from openpyxl import Workbook

from mediation.cases.enums import Outcome
from mediation.cases.models import CaseWorker
from tests.conftest import login, valid_id_number
from tests.helpers import count, reload


def test_a_worker_added_on_the_page_counts_and_errors_keep_what_was_typed(client, users, make_case):
    case = make_case(workers_involved=3)
    login(client, users["mediator"])
    bad = client.post(
        f"/cases/{case.id}/workers",
        data={"version": case.version, "name": "李四", "id_number": "123", "phone": "13900001111"},
    )
    assert bad.status_code == 422
    page = bad.get_data(as_text=True)
    assert 'value="13900001111"' in page and "GB 11643" in page
    assert count(CaseWorker) == 0
    ok = client.post(
        f"/cases/{case.id}/workers",
        data={
            "version": case.version,
            "name": "李四",
            "amount_owed": "3000",
            "representative": "1",
        },
    )
    assert ok.status_code == 302
    case = reload(case)
    assert case.workers_involved == 1 and case.claim_amount_fen == 300000
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "李四" in page and 'id="roster"' in page
    removed = client.post(f"/cases/{case.id}/workers/0/remove", data={"version": case.version})
    assert removed.status_code == 302 and count(CaseWorker) == 0


def test_an_uploaded_roster_with_one_bad_row_writes_nothing_and_names_the_line(
    client, users, make_case
):
    case = make_case()
    login(client, users["mediator"])
    book = Workbook()
    sheet = book.active
    sheet.append(["姓名", "身份证号", "欠薪金额", "代表"])
    sheet.append(["甲", valid_id_number(serial=11), 3000, "是"])
    sheet.append(["乙", "110101199003071234", 3000, ""])
    data = io.BytesIO()
    book.save(data)
    response = client.post(
        f"/cases/{case.id}/workers/upload",
        data={"version": case.version, "file": (io.BytesIO(data.getvalue()), "roster.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "line 3.id_number" in response.get_data(as_text=True)
    assert count(CaseWorker) == 0
    pasted = "姓名\t欠薪金额\n甲\t3000\n乙\t2000\n"
    ok = client.post(
        f"/cases/{case.id}/workers/upload", data={"version": case.version, "text": pasted}
    )
    assert ok.status_code == 302
    assert reload(case).workers_involved == 2 and reload(case).claim_amount_fen == 500000


def test_advocates_see_masked_roster_id_numbers(client, users, make_case, drive):
    from mediation.cases import roster, services

    case = make_case()
    services.assign_advocate(case.id, users["officer"], users["advocate"].id)
    number = valid_id_number(serial=77)
    roster.replace_roster(
        case.id, users["mediator"],
        {"workers": [{"name": "甲", "id_number": number}], "version": reload(case).version},
    )  # fmt: skip
    login(client, users["advocate"])
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "甲" in page and number not in page


def test_the_page_lists_duplicates_and_merges_and_splits_them(
    client, users, make_case, make_enterprise
):
    employer = make_enterprise()
    first = make_case(enterprise_id=employer.id, workers_involved=1, worker_name="甲")
    second = make_case(
        enterprise_id=employer.id, workers_involved=1, worker_name="乙",
        worker_id_number=valid_id_number(serial=5),
    )  # fmt: skip
    login(client, users["officer"])
    page = client.get(f"/cases/{second.id}").get_data(as_text=True)
    assert f'data-case="{first.number}"' in page
    merged = client.post(
        f"/cases/{second.id}/merge",
        data={"version": reload(second).version, "case_ids": [first.id]},
    )
    assert merged.status_code == 302
    assert reload(first).outcome == Outcome.merged and reload(second).workers_involved == 2
    page = client.get(f"/cases/{second.id}").get_data(as_text=True)
    assert 'id="merged-cases"' in page
    split = client.post(
        f"/cases/{second.id}/split", data={"version": reload(second).version, "case_id": first.id}
    )
    assert split.status_code == 302 and reload(first).is_open


def test_the_registration_page_lists_possible_duplicates_without_registering(
    client, users, make_case, make_enterprise
):
    from mediation.cases.models import Case

    employer = make_enterprise()
    earlier = make_case(enterprise_id=employer.id, workers_involved=1)
    login(client, users["mediator"])
    before = count(Case)
    response = client.post(
        "/cases/new",
        data={
            "action": "check_duplicates", "enterprise_id": str(employer.id), "kind": "arrears",
            "category": "remuneration", "title": "工人反映欠薪", "worker_phone": "13700001111",
        },
    )  # fmt: skip
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f'data-case="{earlier.number}"' in page and 'value="13700001111"' in page
    assert count(Case) == before
