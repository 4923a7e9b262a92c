"""The bilingual UI: Chinese first, English second.

The catalogue tests read the sources the way `make messages` does (Babel's extraction with
`babel.cfg`), so a new `_('...')` without a Chinese translation, or a `.po` edited without
recompiling its `.mo`, fails here.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask_babel import refresh
from marshmallow import ValidationError
from sqlalchemy import select

from mediation.accounts.models import User
from mediation.cases import workflow
from mediation.cases.enums import Category
from mediation.cases.models import Case
from mediation.core.i18n import translate_field_errors, translate_message
from mediation.core.messages import Message
from mediation.core.schemas import Length, Range
from mediation.extensions import db
from mediation.orgs.models import Organization
from tests.conftest import login
from tests.helpers import count
from tests.html import dom

ROOT = Path(__file__).resolve().parents[1]
TRANSLATIONS = ROOT / "mediation" / "translations"
KEYWORDS = {
    "_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "N_": None,
    "pgettext": ((1, "c"), 2), "lazy_pgettext": ((1, "c"), 2), "NP_": ((1, "c"), 2),
}  # fmt: skip
EN = {"Accept-Language": "en"}


def _method_map() -> tuple[list[tuple[str, str]], dict]:
    from babel.messages.frontend import parse_mapping_cfg

    with open(ROOT / "babel.cfg") as f:
        return parse_mapping_cfg(f)


def extracted_msgids() -> set[str | tuple[str, str]]:
    return {message for message, _context in extracted_messages()}


def extracted_messages() -> set[tuple[str | tuple[str, str], str | None]]:
    """(msgid, or singular and plural; message context or None) of every message."""
    method_map, options_map = _method_map()
    ids: set = set()
    for _filename, _lineno, message, _comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS, comment_tags=()
    ):
        ids.add((message if isinstance(message, str) else tuple(message[:2]), context))
    return ids


def catalogue(locale: str):
    with open(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f, locale=locale)


# --- the catalogues -------------------------------------------------------------------------------


def test_the_sources_have_messages_to_extract():
    ids = extracted_msgids()
    assert "Sign in" in ids  # a template
    assert "Missing data for required field." in ids  # marshmallow's, listed in core/messages
    assert "Length must be between %(min)s and %(max)s." in ids
    assert len(ids) > 300


def test_every_extracted_msgid_has_a_chinese_translation():
    zh = catalogue("zh_Hans_CN")
    untranslated = []
    for msgid, context in sorted(extracted_messages(), key=str):
        message = zh.get(msgid if isinstance(msgid, str) else msgid[0], context=context)
        strings = () if message is None else (
            message.string if isinstance(message.string, tuple) else (message.string,)
        )  # fmt: skip
        if message is None or message.fuzzy or not all(s.strip() for s in strings or ("",)):
            untranslated.append((context, msgid))
    assert untranslated == [], "run `make messages` and translate these in zh_Hans_CN"
    assert not zh.fuzzy


def test_chinese_translations_keep_the_placeholders():
    zh = catalogue("zh_Hans_CN")
    problems = [
        (m.id, m.string) for m in zh if m.id and m.python_format and list(m.check(zh)) != []
    ]
    assert problems == []


@pytest.mark.parametrize("locale", ["zh_Hans_CN", "en"])
def test_the_committed_mo_files_match_their_po(locale):
    """What `pybabel compile` would write now is what is committed."""
    compiled = io.BytesIO()
    write_mo(compiled, catalogue(locale), use_fuzzy=False)
    committed = (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.mo").read_bytes()
    assert compiled.getvalue() == committed, "a .po changed without `make messages`"


# --- the message translation of the web layer ------------------------------------------------------


def _error(validator, value) -> str:
    with pytest.raises(ValidationError) as raised:
        validator(value)
    return raised.value.messages[0]


def test_messages_keep_their_values_english_for_the_api_and_translated_for_pages(app):
    """A message with values is raised as a `Message`: English text where a string is expected
    (the API), its msgid and values kept, so a page shows it in the reader's language. Nothing
    is parsed back out of English text."""
    length = _error(Length(min=1, max=200), "")
    between = _error(Range(min=1, max=100_000), 0)
    taken = Message("The code %(code)s is taken.", code="T9")
    assert isinstance(length, Message)
    assert length == "Length must be between 1 and 200."  # what the API answers
    assert between == "Must be greater than or equal to 1 and less than or equal to 100000."
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        assert translate_message(length) == "长度须在 1 至 200 个字符之间。"
        assert translate_message(between) == "须在 1 至 100000 之间。"
        assert (
            translate_message(taken)
            == translate_message(Message("The code %(code)s is taken.", code="T9"))
            != "The code T9 is taken."
        )
        assert "T9" in translate_message(taken)
        assert translate_message("Missing data for required field.") == "此项为必填项。"
        assert translate_message("something nobody translated") == "something nobody translated"
        # English text with values is not recognised any more: only a Message carries them
        assert translate_message("Length must be between 1 and 200.") == (
            "Length must be between 1 and 200."
        )
        assert translate_field_errors({"title": ["Missing data for required field."]}) == {
            "title": ["此项为必填项。"]
        }
    with app.test_request_context(headers=EN):
        refresh()  # the tests' app context outlives each request context
        assert translate_message(length) == "Length must be between 1 and 200."


def test_a_service_error_with_values_is_shown_translated_on_its_page(app, client, users):
    """A refused organization code comes back on the admin page in Chinese, with the code."""
    login(client, users["admin"])
    taken = db.session.scalar(select(Organization.code).limit(1))
    page = client.post(
        "/admin/organizations/new",
        data={"name": "新工会", "code": taken, "tier": "grassroots", "parent_id": ""},
        headers={"Accept-Language": "zh-CN"},
    )
    assert page.status_code == 422
    text = page.get_data(as_text=True)
    assert taken in text and f"The code {taken} is taken." not in text


def test_labels_are_lazy_and_the_machine_as_data_is_plain_text(app):
    with app.test_request_context(headers=EN):
        data = workflow.as_data()
        assert {s["code"]: s["label"] for s in data["states"]}["mediating"] == "In mediation"
        assert all(type(t["label"]) is str for t in data["triggers"])
    with app.test_request_context():
        refresh()
        assert {s["code"]: s["label"] for s in workflow.as_data()["states"]}["mediating"] == (
            "调解中"
        )
        assert str(Category.remuneration.label) == "劳动报酬"


# --- the pages -----------------------------------------------------------------------------------


def test_the_login_page_is_chinese_by_default_and_english_for_an_english_browser(client):
    chinese = client.get("/login")
    page = dom(chinese)
    assert page.find("html").attrs["lang"] == "zh-CN"
    assert "登录" in page.find("h1").text

    english = client.get("/login", headers=EN)
    page = dom(english)
    assert page.find("html").attrs["lang"] == "en"
    assert page.find("h1").text.strip() == "Sign in"
    assert "用户名" not in english.get_data(as_text=True)


def test_an_unknown_browser_language_gets_chinese(client):
    page = dom(client.get("/login", headers={"Accept-Language": "fr-FR, de;q=0.5"}))
    assert page.find("html").attrs["lang"] == "zh-CN"


def test_the_switch_sets_the_language_of_an_anonymous_visitor(client):
    response = client.post("/language", data={"lang": "en", "next": "/login?next=/cases"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/login?next=/cases")
    page = dom(client.get("/login"))
    assert page.find("html").attrs["lang"] == "en"
    assert page.find("span", cls="lang-current").attrs["data-lang"] == "en"
    # and back
    client.post("/language", data={"lang": "zh_Hans_CN"})
    assert dom(client.get("/login", headers=EN)).find("html").attrs["lang"] == "zh-CN"


@pytest.mark.parametrize("bad", ["", "fr", "zh_Hans_CN'"])
def test_the_switch_refuses_an_unknown_language(client, bad):
    assert client.post("/language", data={"lang": bad}).status_code == 400


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/x", None])
def test_the_switch_only_goes_back_to_this_site(client, next_url):
    data = {"lang": "en"} | ({"next": next_url} if next_url else {})
    response = client.post("/language", data=data)
    assert response.status_code == 302
    assert "evil" not in response.headers["Location"]


def test_the_switch_needs_the_csrf_token(csrf_app):
    client = csrf_app.test_client()
    assert client.post("/language", data={"lang": "en"}).status_code == 400
    page = dom(client.get("/login"))
    form = page.find("form", id="lang-switch")
    token = form.find("input", name="csrf_token").attrs["value"]
    response = client.post("/language", data={"lang": "en", "csrf_token": token, "next": "/login"})
    assert response.status_code == 302
    assert dom(client.get("/login")).find("html").attrs["lang"] == "en"


def test_the_switch_persists_for_a_signed_in_user(app, users):
    mediator = users["mediator"]
    assert mediator.locale == ""  # no preference yet: the browser decides
    client = app.test_client()
    login(client, mediator)
    assert dom(client.get("/cases")).find("html").attrs["lang"] == "zh-CN"

    client.post("/language", data={"lang": "en", "next": "/cases"})

    db.session.expire_all()
    assert db.session.get(User, mediator.id).locale == "en"
    # a new session on another (Chinese) browser still shows English
    other = app.test_client()
    login(other, mediator)
    page = dom(other.get("/cases", headers={"Accept-Language": "zh-CN"}))
    assert page.find("html").attrs["lang"] == "en"
    assert page.find("h1").text.strip() == "Cases"


def test_a_stored_preference_beats_the_browser(app, make_user):
    user = make_user("mediator", "T1", locale="zh_Hans_CN")
    client = app.test_client()
    login(client, user)
    assert dom(client.get("/cases", headers=EN)).find("html").attrs["lang"] == "zh-CN"


# --- field errors in the user's language -----------------------------------------------------------


def _new_case_data(client) -> dict:
    page = dom(client.get("/cases/new"))
    enterprise = page.find("select", name="enterprise_id").find_all("option")[1].attrs["value"]
    handling = page.find("select", name="handling_org_id").find_all("option")[1].attrs["value"]
    return {
        "kind": "dispute",
        "category": "dismissal",
        "handling_org_id": handling,
        "enterprise_id": enterprise,
        "workers_involved": "3",
        "description": "我输入的说明不会丢",
        "claim_amount": "1234.50",
        "title": "",
    }


def _error_of(page, name: str) -> list[str]:
    block = page.find(None, name=name).ancestor("field")
    return [p.text for p in block.find_all("p", cls="field-error")]


@pytest.fixture
def enterprise(make_case):
    """A case creates an enterprise of T1 that the new-case form offers."""
    return make_case().enterprise


def test_a_missing_title_is_shown_in_chinese_by_default(app, users, enterprise):
    client = app.test_client()
    login(client, users["mediator"])
    before = count(Case)

    response = client.post("/cases/new", data=_new_case_data(client))

    assert response.status_code == 422
    page = dom(response)
    assert _error_of(page, "title") == ["此项为必填项。"]
    assert "has-error" in page.find("input", name="title").ancestor("field").classes
    # what was typed stays
    assert page.find("textarea", name="description").text == "我输入的说明不会丢"
    assert page.find("input", name="claim_amount").attrs["value"] == "1234.50"
    assert count(Case) == before


def test_a_missing_title_is_shown_in_english_for_an_english_user(app, users, enterprise):
    mediator = users["mediator"]
    mediator.locale = "en"
    db.session.commit()
    client = app.test_client()
    login(client, mediator)

    response = client.post("/cases/new", data=_new_case_data(client))

    assert response.status_code == 422
    page = dom(response)
    assert _error_of(page, "title") == ["Missing data for required field."]
    assert page.find("input", name="workers_involved").attrs["value"] == "3"


def test_a_parametrised_message_is_translated_beside_its_field(app, users, enterprise):
    client = app.test_client()
    login(client, users["mediator"])
    data = _new_case_data(client) | {"title": "案由" * 150, "workers_involved": "0"}

    page = dom(client.post("/cases/new", data=data))

    assert _error_of(page, "title") == ["长度须在 1 至 200 个字符之间。"]
    assert _error_of(page, "workers_involved") == ["须在 1 至 100000 之间。"]


def test_service_errors_keep_plain_english_strings(app, users, enterprise):
    from mediation.cases import services
    from mediation.core.errors import ValidationFailed

    with app.test_request_context(), pytest.raises(ValidationFailed) as caught:
        services.create_case(users["mediator"], {"kind": "dispute"})
    fields = caught.value.fields
    assert fields["title"] == ["Missing data for required field."]
    assert all(type(m) is str for messages in fields.values() for m in messages)


# --- e-mails --------------------------------------------------------------------------------------


def test_alert_mail_is_in_the_recipients_language(app, make_user, make_case):
    from mediation.warnings.models import Notification

    make_user("officer", "C", email="zh@union.example")
    make_user("officer", "C", email="en@union.example", locale="en")
    with app.test_request_context(headers=EN):  # whoever's request raised it
        case = make_case(workers_involved=60)
    mails = {
        n.recipient: n
        for n in db.session.scalars(select(Notification).where(Notification.channel == "email"))
    }
    assert case.number in mails["zh@union.example"].subject
    assert "红色预警" in mails["zh@union.example"].subject
    assert "Red alert" in mails["en@union.example"].subject
    assert "用人单位" in mails["zh@union.example"].body
    assert "Employer:" in mails["en@union.example"].body
