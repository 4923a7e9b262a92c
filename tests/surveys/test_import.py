"""Surveys imported from a spreadsheet: all rows or none, every bad row named by its line
(docs/enterprise-file.md "Import")."""

from __future__ import annotations

import io

from openpyxl import Workbook
from sqlalchemy import func, select

from mediation.extensions import db
from mediation.surveys import importer
from mediation.surveys.models import CollectiveContractType, LabourSurvey
from tests.conftest import login
from tests.html import dom

HEADER = "统一社会信用代码,调查日期,职工人数,农民工人数,签订劳动合同人数,农民工签订劳动合同人数,已建工会,工会会员人数,集体合同类型,集体合同签订日期,集体合同到期日期,召开职代会"


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(LabourSurvey)) or 0


def test_a_good_csv_writes_every_row(app, users, make_enterprise):
    a, b = make_enterprise("G1"), make_enterprise("G1")
    text = "\n".join([
        HEADER,
        f"{a.credit_code},2026-06-30,100,40,92,30,是,80,工资专项集体合同,2025-01-01,2027-12-31,是",
        f"{b.credit_code},2026-06-30,50,0,50,0,否,0,,,,否",
    ])  # fmt: skip
    checked = importer.import_file(users["mediator"], "surveys.csv", text.encode())
    assert checked.ok and len(checked.rows) == 2 and _count() == 2
    first = db.session.scalar(select(LabourSurvey).where(LabourSurvey.enterprise_id == a.id))
    assert first.collective_contract == CollectiveContractType.wage  # read from its Chinese name
    assert first.workers_congress and first.union_members == 80


def test_one_bad_row_writes_nothing_and_every_bad_row_is_named(app, users, make_enterprise):
    a, b, theirs = make_enterprise("G1"), make_enterprise("G1"), make_enterprise("G2")
    text = "\n".join([
        HEADER,
        f"{a.credit_code},2026-06-30,100,40,92,30,是,80,,,,是",  # good
        f"{a.credit_code},2026-07-31,100,40,92,30,是,80,,,,是",  # the same year again
        f"{theirs.credit_code},2026-06-30,10,0,10,0,否,0,,,,否",  # another town's
        "91999999MA00000000,2026-06-30,10,0,10,0,也许,0,general,2026-01-01,2025-01-01,否",
        f"{b.credit_code},2026-06-30,100,40,101,30,是,80,,,,是",  # 101 contracts > 100
    ])  # fmt: skip
    checked = importer.import_file(users["mediator"], "surveys.csv", text.encode())
    assert not checked.ok and _count() == 0
    errors = {e.line: e.fields for e in checked.errors}
    assert set(errors) == {3, 4, 5, 6}
    assert errors[3] == {"as_of": ["The same enterprise and year as line 2."]}
    assert errors[6] == {"contracts_signed": ["More signed contracts than employees."]}
    assert "credit_code" in errors[4]
    assert {"credit_code", "union_established", "collective_expires_on"} <= set(errors[5])


def test_an_xlsx_workbook_is_read_too(app, users, make_enterprise):
    a = make_enterprise("G1")
    book = Workbook()
    sheet = book.active
    sheet.append(["credit_code", "as_of", "employees", "contracts_signed"])
    sheet.append([a.credit_code, "2026-03-31", 20, 18])
    buffer = io.BytesIO()
    book.save(buffer)
    checked = importer.import_file(users["officer"], "surveys.xlsx", buffer.getvalue())
    assert checked.ok and _count() == 1


def test_unreadable_files_and_unknown_columns_are_refused(app, users):
    assert importer.check(users["mediator"], "x.xlsx", b"not a workbook").fatal
    assert importer.check(users["mediator"], "x.csv", "名称\n".encode("gb18030")).fatal
    fatal = importer.check(users["mediator"], "x.csv", b"credit_code,colour\n1,2\n").fatal
    assert "as_of" in fatal and "colour" in fatal


def test_the_import_page_lists_the_bad_lines(app, users, make_enterprise):
    a = make_enterprise("G1")
    client = app.test_client()
    login(client, users["mediator"])
    assert client.get("/enterprises/surveys/import").status_code == 200
    data = f"{HEADER}\n{a.credit_code},2026-06-30,10,20,5,0,否,0,,,,否\n".encode()
    response = client.post("/enterprises/surveys/import",
                           data={"file": (io.BytesIO(data), "s.csv")},
                           content_type="multipart/form-data",
                           headers={"Accept-Language": "en"})  # fmt: skip
    assert response.status_code == 422
    row = dom(response).find("tr", **{"data-line": "2"})
    assert row is not None and "More migrant workers than employees." in row.text
    good = f"{HEADER}\n{a.credit_code},2026-06-30,10,2,5,0,否,0,,,,否\n".encode()
    response = client.post("/enterprises/surveys/import",
                           data={"file": (io.BytesIO(good), "s.csv")},
                           content_type="multipart/form-data")  # fmt: skip
    assert response.status_code == 302 and _count() == 1
    client = app.test_client()
    login(client, users["advocate"])
    assert client.get("/enterprises/surveys/import").status_code == 404
