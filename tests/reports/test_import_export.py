"""Bulk import (CLI and admin page), case-list exports (page, API, CLI) and the watch list."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook
from sqlalchemy import select

from mediation.cases.imports import run_queued
from mediation.cases.models import Case
from mediation.extensions import db
from mediation.warnings.models import Alert
from tests.api.conftest import Api
from tests.conftest import login
from tests.helpers import count
from tests.html import dom

HEADER = "类型,案由,统一社会信用代码,诉求,涉及人数,请求金额,欠薪月数,收到申请时间\n"


def _rows(*rows: str) -> bytes:
    return (HEADER + "".join(r + "\n" for r in rows)).encode("utf-8")


def _invoke(app, tmp_path, data: bytes, *args):
    path = tmp_path / "import.csv"
    path.write_bytes(data)
    return app.test_cli_runner().invoke(
        args=["cases", "import", str(path), "--as", "mediator", *args]
    )


def test_import_all_good_rows(app, tmp_path, users, make_enterprise):
    e = make_enterprise("G1")
    data = _rows(
        f"dispute,dismissal,{e.credit_code},违法解除,1,5000.00,,2026-03-02",
        f"arrears,remuneration,{e.credit_code},拖欠工资,60,120000,2,2026-03-03 10:30",
    )
    result = _invoke(app, tmp_path, data)
    assert result.exit_code == 0, result.stderr
    assert "Imported 2 case(s)" in result.stdout
    cases = db.session.scalars(select(Case).order_by(Case.id)).all()
    assert [c.workers_involved for c in cases] == [1, 60]
    assert cases[1].claim_amount_fen == 12_000_000
    # the 60-worker row raised its alerts (major collective: red, to the city)
    rules = set(db.session.scalars(select(Alert.rule).where(Alert.case_id == cases[1].id)))
    assert {"collective", "major_collective"} <= rules


def test_bad_rows_refused_with_line_numbers_and_nothing_written(
    app, tmp_path, users, make_enterprise
):
    e = make_enterprise("G1")
    data = _rows(
        f"dispute,dismissal,{e.credit_code},好行,1,,,2026-03-02",
        f"dispute,dismissal,{e.credit_code},负数,1,-5,,2026-03-02",
        f"dispute,dismissal,{e.credit_code},坏日期,1,,,2026-13-45",
        "dispute,dismissal,91440300MA5GT99999,未知企业,1,,,2026-03-02",
    )
    result = _invoke(app, tmp_path, data)
    assert result.exit_code == 1
    for line in (3, 4, 5):
        assert f"line {line}:" in result.stderr
    assert "line 2:" not in result.stderr
    assert "credit_code" in result.stderr and "claim_amount" in result.stderr
    assert count(Case) == 0

    result = _invoke(app, tmp_path, data, "--skip-invalid")
    assert result.exit_code == 0, result.stderr
    assert count(Case) == 1


def test_gbk_file_refused_with_a_clear_message(app, tmp_path, users, make_enterprise):
    e = make_enterprise("G1")
    data = (HEADER + f"dispute,dismissal,{e.credit_code},违法解除,1,,,2026-03-02\n").encode("gbk")
    result = _invoke(app, tmp_path, data)
    assert result.exit_code == 1
    assert "not UTF-8" in result.stderr and "GBK" in result.stderr
    assert count(Case) == 0


def test_missing_columns_and_bad_usage(app, tmp_path, users):
    result = _invoke(app, tmp_path, b"kind,title\ndispute,x\n")
    assert result.exit_code == 1 and "missing columns" in result.stderr
    runner = app.test_cli_runner()
    assert runner.invoke(args=["cases", "import", str(tmp_path / "none.csv")]).exit_code == 2
    path = tmp_path / "x.csv"
    path.write_bytes(b"kind\n")
    assert runner.invoke(args=["cases", "import", str(path), "--as", "nobody"]).exit_code == 2


def test_admin_upload_page(client, users, make_enterprise):
    e = make_enterprise("G1")
    login(client, users["mediator"])
    assert client.get("/admin/import").status_code == 403
    client.post("/logout")
    login(client, users["admin"])
    assert client.get("/admin/import").status_code == 200
    bad = _rows(f"dispute,dismissal,{e.credit_code},负数,1,-5,,2026-03-02")
    response = client.post(
        "/admin/import", data={"file": (io.BytesIO(bad), "logs.csv")},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert response.status_code == 302 and "/admin/import/" in response.headers["Location"]
    assert run_queued() == 1
    page = client.get(response.headers["Location"])
    assert page.status_code == 200 and b'data-line="2"' in page.data
    assert b'id="import-refused"' in page.data and "Refresh" not in page.headers
    assert count(Case) == 0
    good = _rows(f"dispute,dismissal,{e.credit_code},违法解除,1,,,2026-03-02")
    response = client.post(
        "/admin/import", data={"file": (io.BytesIO(good), "logs.csv")},
        content_type="multipart/form-data",
    )  # fmt: skip
    waiting = client.get(response.headers["Location"])
    assert b'data-status="queued"' in waiting.data and waiting.headers["Refresh"]
    assert count(Case) == 0
    run_queued()
    done = client.get(response.headers["Location"])
    assert b'data-imported="1"' in done.data
    assert count(Case) == 1


def test_case_list_exports_follow_the_filters(client, users, make_case, drive):
    api = Api(client)
    a = make_case(workers_involved=12, claim_amount="1234.50")
    b = make_case(workers_involved=3)
    drive(b, "accepted")
    login(client, users["officer"])
    link = dom(client.get("/cases?state=reported")).find("a", id="export-xlsx")
    assert link.attrs["href"].endswith("format=xlsx&state=reported")
    response = client.get("/cases/export?format=xlsx&state=reported")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "案件编号"
    assert [r[0] for r in rows[1:]] == [a.number]
    claim = sheet.cell(row=2, column=16)
    assert float(claim.value) == 1234.5 and claim.number_format == "#,##0.00"
    assert sheet.cell(row=2, column=19).is_date

    response = api.get("/cases/export?format=csv", as_=users["officer"])
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.data.decode("utf-8")
    assert text.startswith("\ufeff")
    numbers = [r[0] for r in csv.reader(io.StringIO(text[1:]))][1:]
    assert sorted(numbers) == sorted([a.number, b.number])
    assert api.get("/cases/export?format=pdf", as_=users["officer"]).status_code == 422
    assert api.get("/cases/export?format=csv", as_=users["advocate"]).status_code == 403
    client.post("/logout")
    login(client, users["advocate"])
    assert client.get("/cases/export?format=csv").status_code == 403


def test_cli_export(app, tmp_path, users, make_case, drive):
    make_case()
    b = make_case()
    drive(b, "accepted")
    out = tmp_path / "cases.xlsx"
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["cases", "export", "--format", "xlsx", "--output", str(out), "--state", "accepted"]
    )
    assert result.exit_code == 0, result.stderr
    rows = list(load_workbook(out).active.iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == [b.number]
    result = runner.invoke(args=["cases", "export", "--format", "csv", "--as", "other_mediator"])
    assert result.exit_code == 0
    assert len(list(csv.reader(io.StringIO(result.stdout.lstrip("\ufeff"))))) == 1
    assert runner.invoke(args=["cases", "export", "--format", "csv", "--state", "x"]).exit_code == 2


def test_watch_list_ranks_and_exports(client, users, make_case, make_enterprise):
    calm, repeat, red = make_enterprise("G1"), make_enterprise("G1"), make_enterprise("G1")
    make_enterprise("G1")  # nothing to watch
    make_case(enterprise_id=calm.id, kind="dispute", arrears_months=None, workers_involved=1)
    for _ in range(3):
        make_case(enterprise_id=repeat.id, kind="dispute", arrears_months=None, workers_involved=1)
    make_case(enterprise_id=red.id, workers_involved=60)
    login(client, users["officer"])
    page = client.get("/enterprises/watch-list")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    order = [html.index(f'data-enterprise-id="{e.id}"') for e in (red, repeat, calm)]
    assert order == sorted(order)
    assert f'data-enterprise-id="{repeat.id}" data-recent="3" data-repeat="1"' in html
    response = client.get("/enterprises/watch-list/export?format=xlsx")
    rows = list(load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))
    assert [r[1] for r in rows[1:]] == [red.name, repeat.name, calm.name]
    client.post("/logout")
    login(client, users["advocate"])
    assert client.get("/enterprises/watch-list").status_code == 403
    assert client.get("/enterprises/watch-list/export?format=csv").status_code == 403
