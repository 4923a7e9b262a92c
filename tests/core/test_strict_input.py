"""Loose input is refused: integers that are not whole numbers (or are booleans, or written
with underscores), blank or padded titles, control characters in single-line text."""

from __future__ import annotations

import pytest
from marshmallow import ValidationError, fields

from mediation.cases.models import Case
from mediation.core.schemas import StrictSchema, text
from mediation.core.text import one_line
from tests.api.conftest import Api, error_of
from tests.helpers import count


class Sample(StrictSchema):
    number = fields.Integer()
    title = text(200)
    body = text(10_000, min_len=0)


@pytest.mark.parametrize(
    "value", [1.9, True, False, "1_000", "1.5", "1e3", "٣", "", " ", float("nan")]
)
def test_integers_refuse_fractions_booleans_and_underscores(value):
    with pytest.raises(ValidationError) as caught:
        Sample().load({"number": value})
    assert "number" in caught.value.messages


@pytest.mark.parametrize("value, loaded", [(3, 3), (3.0, 3), ("42", 42), (" 7 ", 7), ("-2", -2)])
def test_integers_take_whole_numbers_and_digit_strings(value, loaded):
    assert Sample().load({"number": value})["number"] == loaded


@pytest.mark.parametrize("title", ["   ", "\u3000", "a\nb", "a\rb", "a\x07b", "a\u2028b", "\t"])
def test_single_line_texts_refuse_blanks_and_control_characters(title):
    with pytest.raises(ValidationError) as caught:
        Sample().load({"title": title})
    assert "title" in caught.value.messages


def test_single_line_texts_are_stripped_and_long_texts_keep_their_lines():
    loaded = Sample().load({"title": "  欠薪  ", "body": "第一行\r\n\t第二行"})
    assert loaded == {"title": "欠薪", "body": "第一行\r\n\t第二行"}
    with pytest.raises(ValidationError):
        Sample().load({"body": "bell\x07"})


@pytest.mark.parametrize(
    "field, value",
    [("workers_involved", 1.9), ("workers_involved", "1_000"), ("workers_involved", True),
     ("title", "   "), ("title", "欠薪\r\nBcc: x@example.com")],
)  # fmt: skip
def test_the_api_refuses_loose_case_input(client, users, case_payload, field, value):
    response = Api(client).post(
        "/cases", as_=users["mediator"], json=case_payload(**{field: value})
    )
    assert response.status_code == 422
    assert field in error_of(response)["fields"]
    assert count(Case) == 0


def test_one_line_turns_line_breaks_into_spaces():
    assert one_line("欠薪\r\nBcc: x@example.com\u2028end") == "欠薪 Bcc: x@example.com end"


@pytest.mark.parametrize(
    "path, param",
    [("/stats/summary", "org"), ("/alerts", "case"), ("/cases", "org"), ("/cases", "enterprise")],
)
@pytest.mark.parametrize("value", ["1.9", "1_000", "true", "١"])
def test_query_ids_refuse_fractions_and_underscores(client, users, path, param, value):
    response = Api(client).get(path, as_=users["admin"], query_string={param: value})
    assert response.status_code == 422
    assert param in error_of(response)["fields"]


def test_query_ids_take_whole_numbers(client, users, orgs):
    response = Api(client).get(
        "/cases", as_=users["admin"], query_string={"org": str(orgs["C"].id)}
    )
    assert response.status_code == 200
