"""Words that mean something else: message contexts and English left on Chinese pages.

One English msgid has one Chinese translation. A short word used on two screens with two
meanings ("From" a date on the reports page, "From" a state on the workflow page) needs a
message context (`pgettext`, `lazy_pgettext`, `NP_`), or one of the screens shows the wrong
Chinese. Two registries keep this in view (docs/translations.md, "Message contexts"):

- `AMBIGUOUS`: msgids known to mean different things; every use must carry a context;
- `ONE_MEANING`: short msgids (at most two words) used in several packages that were read on
  each of their screens and mean the same thing everywhere.

A short msgid used without a context in two packages must be in one of them, so a new use of a
short word in another package is a decision, not an accident.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir

from mediation.extensions import db
from tests.conftest import login
from tests.test_i18n import KEYWORDS, ROOT, _method_map, catalogue

# msgids that mean different things on different screens: every use has a context
AMBIGUOUS = {
    "From": "a date (reports) or a state (workflow)",
    "To": "a date (reports) or a state (workflow)",
    "Subject": "a case's title (案由) or a message's subject (主题)",
    "Claim": "the amount claimed (请求金额), never the title",
    "Title": "a case's title (案由) or a meeting's (会议名称)",
    "Overview": "the officer's dashboard (工作台) or a report's overview (总体情况)",
    "Cases": "the case list (案件列表) or a count of cases (案件数)",
    "Month": "a calendar's month view (月视图) or a column of months (月份)",
    "Schedule": "the holiday schedule (放假安排) or scheduling a hearing (确定排期)",
    "Mediation": "a section of a letter (调解情况) or a way of closing (调解)",
    "Done": "an action item done (已办结) or an import finished (已完成)",
    "Not yet": "no decision yet (尚未决定) or no meeting yet (尚未召开)",
    "Address": "a party's domicile (住所) or a place's address (地址)",
    "Name": "a person's (姓名) or an organization's or place's (名称)",
    "Previous": "a calendar's previous period (上一时段) or a list's previous page (上一页)",
    "Next": "a calendar's next period (下一时段) or a list's next page (下一页)",
}

# short msgids used in several packages, each with one meaning on all its screens (read
# against every screen; see docs/translations.md before adding one)
ONE_MEANING = {
    # read on the screens of issues 21 and 22 (returns, statistics, surveys, projects, notices)
    "%(num)d worker", "Acknowledged", "Agreements performed", "Alerts raised", "Amount agreed", "Amount claimed", "Amount recovered", "Arbitration stage", "By category", "By town", "By type", "Cases accepted", "Cases closed", "Cases received", "Category", "Code", "Collective cases", "Construction projects", "Date:", "Enterprise", "File", "Import", "Indicator", "Labour relations", "Line", "Linked cases", "Migrant workers", "None", "Ownership", "Period", "Resolved", "Sector", "Supervision notices", "This period", "Union", "Union mediation", "Unknown organization.", "Version",
    "Advocates' team", "People's court", ", ", ": ", "Accepted", "Active", "Add",
    "Administration", "Agreed amount", "Agreement reached", "Alert inbox", "Alerts", "All",
    "Amount owed", "Amount paid", "Area", "Cancel", "Case history", "Case number", "Case",
    "Channel", "Clear", "Collective", "Contact e-mail", "Contact person", "Contact phone",
    "Content", "Date", "Dismissed", "Dispute category", "Edit", "Employer won", "Employer",
    "Ended", "Enterprises", "Export", "Filter", "Grassroots union", "Handling organization",
    "Hardship files", "ID number", "Joint meetings", "Kind", "Legal aid",
    "Legal representative", "Level", "Mass incidents", "Mediator", "My cases",
    "Next deadline", "No", "No. %(number)s", "Note", "Notifications", "Open alerts",
    "Open cases", "Organization", "Other", "Outcome", "Overdue", "Participants", "Password",
    "Paused", "Phone", "Place", "Please choose", "Position", "Print", "Received",
    "Recipient", "Refer", "Remove", "Reported at", "Reports", "Result", "Rights advocate",
    "Save", "Search", "Select", "Show", "Sign in", "Social insurance", "Sort by", "Source",
    "State", "Statistics category", "Status", "Supervising tier", "Telephone", "Tier",
    "Total", "Town", "Type", "Unknown enterprise.", "Upload", "User name", "Wage arrears",
    "Warning level", "Withdrawn", "Worker won", "Workers involved", "Workers", "Year", "Yes",
    "none", "provisional calendar",
}  # fmt: skip


def _package(filename: str) -> str:
    """templates/cases/x.html and mediation/cases/y.py are the package `cases`; a template at
    the root of templates/ is its own."""
    parts = Path(filename).parts
    if parts[0] in ("templates", "mediation") and len(parts) > 2:
        return parts[1]
    return filename


def _uses() -> dict[tuple[str | None, str], set[str]]:
    """(context, msgid) -> the files that use it."""
    method_map, options_map = _method_map()
    uses: dict[tuple[str | None, str], set[str]] = defaultdict(set)
    for filename, _lineno, message, _comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS, comment_tags=()
    ):
        msgid = message if isinstance(message, str) else message[0]
        uses[(context, msgid)].add(filename)
    return uses


@pytest.fixture(scope="module")
def uses():
    return _uses()


def test_the_registries_do_not_overlap():
    assert AMBIGUOUS.keys() & ONE_MEANING == set()


def test_an_ambiguous_msgid_is_only_used_with_a_context(uses):
    bare = {msgid: sorted(files) for (ctx, msgid), files in uses.items()
            if ctx is None and msgid in AMBIGUOUS}  # fmt: skip
    assert bare == {}, "use pgettext / lazy_pgettext / NP_ with a context for these"


def test_an_ambiguous_msgid_has_a_translation_per_context(uses):
    """Each context of an ambiguous word has its own translation, and the contexts of one word
    are translated differently (else the word was not ambiguous)."""
    zh = catalogue("zh_Hans_CN")
    translations: dict[str, dict[str, str]] = defaultdict(dict)
    for ctx, msgid in uses:
        if msgid in AMBIGUOUS and ctx is not None:
            message = zh.get(msgid, context=ctx)
            assert message is not None and message.string, (ctx, msgid)
            translations[msgid][ctx] = message.string
    assert set(translations) == set(AMBIGUOUS)  # the registry holds no stale entries
    for msgid, by_context in translations.items():
        assert len(set(by_context.values())) == len(by_context), (msgid, by_context)


def test_a_short_msgid_in_several_packages_is_either_one_meaning_or_in_context(uses):
    unexamined = {}
    for (ctx, msgid), files in uses.items():
        packages = {_package(f) for f in files}
        short = len(msgid.split()) <= 2
        if ctx is None and short and len(packages) >= 2 and msgid not in ONE_MEANING:
            unexamined[msgid] = sorted(files)
    assert unexamined == {}, (
        "a short msgid is used in several packages: read it on each screen, then add it to "
        "ONE_MEANING or give each use a context (docs/translations.md)"
    )


def test_the_screens_named_in_the_issue_use_the_right_chinese(uses):
    zh = catalogue("zh_Hans_CN")
    assert zh.get("Claim", context="amount").string == "请求金额"
    assert zh.get("Subject", context="case").string == "案由"
    assert zh.get("From", context="date range").string == "起始日期"
    assert zh.get("To", context="date range").string == "截止日期"
    assert zh.get("Overview", context="report").string != "工作台"
    assert zh.get("Cases", context="count").string == "案件数"


def test_the_contexts_reach_the_pages(app, client, users, make_case):
    """The reports page's dates and overview, the workflow page's states, in Chinese."""
    make_case()
    login(client, users["officer"])
    reports = client.get("/reports").get_data(as_text=True)
    assert "起始日期" in reports and "截止日期" in reports and "起始状态" not in reports
    assert "总体情况" in reports and "工作台" not in dom_main(reports)
    workflow = client.get("/workflow").get_data(as_text=True)
    assert "起始状态" in workflow and "目标状态" in workflow


def dom_main(html: str) -> str:
    main = re.search(r"<main.*?</main>", html, re.S)
    return main.group(0) if main else html


# --- no English on a Chinese page ----------------------------------------------------------------

# words that are Chinese usage too: file formats, the language switch, units, names; `<code>`
# and `<pre>` hold identifiers for maintainers (the workflow page's trigger names, its Mermaid),
# as do the diagram's code lines (`<text class="code">`)
ALLOWED_WORDS = {
    "Mermaid",
    "PDF",
    "CSV",
    "XLSX",
    "Excel",
    "English",
    "ID",
    "MB",
    "KB",
    "SMS",
    "API",
    "JSON",
}
_SKIP = re.compile(
    r"<(script|style|code|pre)\b.*?</\1>|<text class=\"code\".*?</text>", re.S | re.I
)
_TAGS = re.compile(r"<[^>]+>")
_ATTRS = re.compile(r'\b(?:title|placeholder|aria-label|alt)="([^"]*)"')
_TOKEN = re.compile(r"[A-Za-z0-9'’./@_-]+")
_WORD = re.compile(r"[A-Za-z][A-Za-z_'’-]*[A-Za-z]")  # (with "_": a field's raw name)


def english_words(html: str, data: set[str]) -> set[str]:
    """The ASCII words a reader sees (text and the attributes read out or shown), less the
    data of the page (user names, codes), `ALLOWED_WORDS` and tokens that are not words:
    numbers and codes with digits in them (case numbers, credit codes, UTF-8), paths and
    addresses."""
    html = _SKIP.sub(" ", html)
    shown = " ".join(_ATTRS.findall(html)) + " " + _TAGS.sub(" ", html)
    return {
        token for token in _TOKEN.findall(shown)
        if _WORD.fullmatch(token) and token not in ALLOWED_WORDS and token not in data
    }  # fmt: skip


PAGES = {
    "officer": ["/", "/cases", "/cases/new", "/reports", "/alerts", "/enterprises",
                "/enterprises/watch-list", "/workflow", "/notices", "/incidents", "/meetings",
                "/hardship", "/hardship/reports", "/legal-aid", "/hearing-points",
                "/hearings/report", "/advocates", "/advocates/reports", "/advocates/review",
                "/advocates/trainings", "/incidents/new", "/meetings/new"],
    "mediator": ["/", "/cases"],
    "advocate": ["/"],
    "admin": ["/admin/", "/admin/users", "/admin/users/new", "/admin/organizations",
              "/admin/organizations/new", "/admin/outbox", "/admin/calendar", "/admin/import",
              "/admin/rules"],
}  # fmt: skip


@pytest.fixture
def chinese_staff(make_user, users):
    """Staff with Chinese names, as at a union office (the fixtures' names are English)."""
    for number, user in enumerate(users.values()):
        user.display_name = "张" + "一二三四五六七八九十"[number % 10] + "同志"
    db.session.commit()
    return users


@pytest.mark.parametrize("role", sorted(PAGES))
def test_the_main_pages_in_chinese_show_no_english(app, chinese_staff, make_case, role):
    case = make_case(workers_involved=12)
    user = chinese_staff[role]
    client = app.test_client()
    login(client, user)
    data = {u.username for u in chinese_staff.values()} | {case.number, "C", "T1", "T2"}
    pages = PAGES[role] + ([f"/cases/{case.id}"] if role in ("officer", "mediator") else [])
    found = {}
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        words = english_words(response.get_data(as_text=True), data)
        if words:
            found[url] = sorted(words)
    assert found == {}


def test_the_period_order_error_on_the_reports_page_is_chinese(app, client, chinese_staff):
    login(client, chinese_staff["officer"])
    today = datetime.now(UTC).date()
    response = client.get(
        "/reports", query_string={"from": today.isoformat(),
                                  "to": (today - timedelta(days=3)).isoformat()}
    )  # fmt: skip
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "截止日期早于起始日期。" in text
    assert english_words(text, {"C", "T1"}) == set()


def test_the_check_sees_english_where_there_is_some(app, client, chinese_staff):
    """The measure itself: the same page in English is full of words it finds."""
    login(client, chinese_staff["officer"])
    english = client.get("/reports", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert {"Reports", "Overview", "From"} <= english_words(english, set())


# --- formal wording -------------------------------------------------------------------------------

COLLOQUIAL = ("老板", "跑路", "搞定", "咋")


def test_the_chinese_is_the_formal_wording_of_a_union_office():
    """用人单位负责人逃匿/失联, not 老板跑路; a take-over has one name, 提级办理."""
    zh = catalogue("zh_Hans_CN")
    strings = {m.id if isinstance(m.id, str) else m.id[0]: m.string for m in zh if m.id}
    texts = [s if isinstance(s, str) else " ".join(s) for s in strings.values()]
    assert [t for t in texts if any(word in t for word in COLLOQUIAL)] == []
    assert strings["Owner absconded / unreachable"] == "用人单位负责人逃匿/失联"
    take_overs = {k: v for k, v in strings.items() if re.search(r"(?i)take[ -]?over|taken over", k)}
    assert take_overs
    assert {k: v for k, v in take_overs.items() if "提级" not in str(v)} == {}
    assert not [t for t in texts if "接管" in t or "上收" in t]
