"""Evidence uploads: a failed transaction leaves no file behind."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from mediation.cases.models import Attachment
from mediation.core.errors import Conflict
from mediation.extensions import db
from tests.helpers import count


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
