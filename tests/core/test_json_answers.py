"""JSON answers (`jsonify`, every API response) are encoded by orjson: the same values as the
standard library's encoder would give, read back, in UTF-8; and what orjson cannot encode is
still answered, through the standard library."""

from __future__ import annotations

import dataclasses
import decimal
import json
import uuid
from datetime import UTC, date, datetime

import pytest
from flask import jsonify
from markupsafe import Markup

from tests.api.conftest import Api


@dataclasses.dataclass
class Point:
    x: int
    when: date


VALUES = {
    "text": "某某建筑公司拖欠工资",
    "escapes": 'quote " backslash \\ newline \n tab \t nul \x00 sep \u2028',
    "moment": datetime(2026, 11, 27, 15, 0, 1, 123456, tzinfo=UTC),
    "day": date(2026, 11, 27),
    "money": decimal.Decimal("1234.50"),
    "id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
    "point": Point(1, date(2026, 1, 2)),
    "markup": Markup("<b>x</b>"),
    "int_keys": {1: "a", 2: "b"},
    "nested": [[1, 2.5, None, True, False], {"k": []}],
    "big": 2**63 - 1,
}


@pytest.fixture
def echo(app):
    """A view answering `jsonify(value)` for a named value (registered before any request)."""
    values = dict(VALUES)

    @app.get("/test-json/<name>")
    def _echo(name):
        return jsonify(values[name])

    return values


def _standard(value) -> object:
    """What Flask's own (standard library) provider writes for `value`, read back."""
    from flask.json.provider import _default

    return json.loads(json.dumps(value, default=_default))


@pytest.mark.parametrize("name", sorted(VALUES))
def test_an_answer_reads_back_as_the_standard_encoder_wrote_it(app, echo, name):
    response = app.test_client().get(f"/test-json/{name}")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.get_json() == _standard(VALUES[name])


def test_non_ascii_is_written_as_utf8_not_escaped(app, echo):
    body = app.test_client().get("/test-json/text").get_data()
    assert body == ('"' + VALUES["text"] + '"\n').encode()


@pytest.mark.parametrize(
    ("value", "expected_in_body"),
    [
        ("lone \udc80 surrogate", b"\\udc80"),  # orjson refuses invalid UTF-8
        (2**70, str(2**70).encode()),  # beyond 64 bits
    ],
)
def test_what_orjson_refuses_is_encoded_by_the_standard_library(app, echo, value, expected_in_body):
    echo["refused"] = value
    response = app.test_client().get("/test-json/refused")
    assert response.status_code == 200
    assert expected_in_body in response.get_data()
    assert json.loads(response.get_data()) == value


def test_an_unencodable_value_is_still_an_error(app, echo):
    echo["object"] = object()
    app.config["PROPAGATE_EXCEPTIONS"] = True
    with pytest.raises(TypeError, match="not JSON serializable"):
        app.test_client().get("/test-json/object")


def test_debug_mode_answers_indented(app, echo):
    app.debug = True
    body = app.test_client().get("/test-json/nested").get_data(as_text=True)
    assert body == json.dumps(VALUES["nested"], indent=2) + "\n"


def test_the_case_list_answers_chinese_titles_in_utf8(client, users, make_case):
    make_case(title="拖欠工资三个月")
    api = Api(client)
    response = client.get(
        "/api/v1/cases", headers={"Authorization": f"Bearer {api.token(users['mediator'])}"}
    )
    assert response.status_code == 200
    assert "拖欠工资三个月".encode() in response.get_data()
    assert response.get_json()["items"][0]["title"] == "拖欠工资三个月"
