"""WCAG 2.1 AA contrast of the level palette, read from the stylesheet itself, and the icon
every browser asks for. The browser side (focus ring, skip link, checkbox size) is in
tests/browser/test_accessibility.py."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

CSS = (Path(__file__).resolve().parents[1] / "mediation" / "static" / "app.css").read_text()
LEVELS = ("blue", "yellow", "orange", "red")


def _variable(name: str) -> str:
    match = re.search(rf"--{name}:\s*(#[0-9a-fA-F]{{6}}|#[0-9a-fA-F]{{3}})\b", CSS)
    assert match, f"--{name} is not defined in app.css"
    return match.group(1)


def _rule_variable(level: str, name: str) -> str:
    rule = re.search(rf"\.level-{level}, \.level-border-{level} \{{([^}}]*)\}}", CSS)
    assert rule, f".level-{level} is not defined"
    value = re.search(rf"--{name}:\s*([^;]+);", rule.group(1))
    assert value
    raw = value.group(1).strip()
    var = re.fullmatch(r"var\(--([\w-]+)\)", raw)
    return _variable(var.group(1)) if var else raw


def _luminance(hex_colour: str) -> float:
    if len(hex_colour) == 4:  # #fff
        hex_colour = "#" + "".join(c * 2 for c in hex_colour[1:])

    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_contrast_formula_matches_the_wcag_worked_values():
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#ea580c", "#ffffff") == pytest.approx(3.56, abs=0.01)  # the old orange


@pytest.mark.parametrize("level", LEVELS)
def test_level_badges_are_readable(level):
    """A badge's word on its level colour reaches 4.5:1 (the orange badge was 3.56:1)."""
    assert contrast(_rule_variable(level, "level"), _rule_variable(level, "level-ink")) >= 4.5


@pytest.mark.parametrize("level", LEVELS)
def test_level_counts_as_text_on_white_are_readable(level):
    """Counts and words in a level's colour on a white card reach 4.5:1 (yellow was 1.92:1)."""
    assert contrast(_rule_variable(level, "level-text"), "#ffffff") >= 4.5


def test_every_page_names_its_icon_and_the_icon_is_served(client):
    answer = client.get("/favicon.ico")
    assert answer.status_code == 200
    assert answer.mimetype == "image/vnd.microsoft.icon"
    assert answer.data[:4] == b"\x00\x00\x01\x00"  # an ICO header
    login_page = client.get("/login").get_data(as_text=True)
    assert 'rel="icon"' in login_page


@pytest.mark.parametrize(
    ("locale", "days", "shown"),
    [
        ("en", 1, "1 day left"),
        ("en", 2, "2 days left"),
        ("en", -1, "1 day overdue"),
        ("en", -3, "3 days overdue"),
        ("zh_Hans_CN", 1, "剩余 1 天"),
        ("zh_Hans_CN", -3, "已超期 3 天"),
    ],
)
def test_countdowns_say_day_or_days(app, locale, days, shown):
    """A count is written with ngettext: never "1 days"."""
    from mediation.core.i18n import force_locale

    with app.test_request_context("/"), force_locale(locale):
        macros = app.jinja_env.get_template("cases/_macros.html").module
        assert shown in str(macros.countdown(days))
