"""Web plumbing shared by every blueprint: error pages, security headers and template helpers."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlencode

from flask import (
    Flask,
    Response,
    has_app_context,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_babel import format_date
from flask_wtf.csrf import CSRFError
from markupsafe import Markup, escape
from werkzeug.exceptions import HTTPException

from mediation.core.clock import local_date, to_local, utcnow
from mediation.core.enums import label_of
from mediation.core.errors import DomainError
from mediation.core.i18n import (
    _,
    current_locale,
    current_translations,
    lazy_gettext,
    translate_message,
)
from mediation.core.identifiers import mask_id_number
from mediation.core.money import fen_to_yuan, format_yuan

if TYPE_CHECKING:
    from flask.typing import ResponseReturnValue
    from flask_sqlalchemy.pagination import Pagination

    from mediation.core.pagination import Page

_T = TypeVar("_T")

ERROR_TITLES = {
    400: lazy_gettext("Bad request"),
    401: lazy_gettext("Sign-in required"),
    403: lazy_gettext("You may not do this"),
    404: lazy_gettext("Not found"),
    405: lazy_gettext("Method not allowed"),
    409: lazy_gettext("Conflict"),
    413: lazy_gettext("Upload too large"),
    422: lazy_gettext("Invalid input"),
    429: lazy_gettext("Too many requests; try again later"),
    500: lazy_gettext("Internal server error"),
}


def _error_page(status: int, message: str | None = None) -> tuple[str, int]:
    return (
        render_template(
            "error.html",
            status=status,
            title=ERROR_TITLES.get(status) or _("Error"),
            message=translate_message(message) if message else None,
        ),
        status,
    )


# What a refused form carries to its second chance: everything typed, never the old token or a
# password (a file cannot be carried: the page says to choose it again).
_NOT_CARRIED = frozenset({"csrf_token", "password", "new_password", "password_again", "next"})
CARRY_PREFIX = "carry:"
RESUBMIT_TO = "resubmit_to"


def carried_fields(form: Any, prefix: str = "") -> list[tuple[str, str]]:
    """The (name, value) pairs of a posted form worth sending again, in their order; with a
    prefix, only the fields that carry it, without it."""
    pairs = []
    for name, value in form.items(multi=True):
        if prefix:
            if not name.startswith(prefix):
                continue
            name = name[len(prefix) :]
        if name in _NOT_CARRIED or name.startswith(CARRY_PREFIX) or name == RESUBMIT_TO:
            continue
        pairs.append((name, value))
    return pairs


def resubmit_page(
    target: str, fields: list[tuple[str, str]], status: int, error: str | None = None
) -> tuple[str, int]:
    """A refused form's second chance (a stale security token, or a session that ended while
    the user typed): what was typed, kept in the page, sent again with a fresh token by one
    press, after signing in again when the session is gone. Nothing is stored on the server."""
    return (
        render_template(
            "resubmit.html", target=target, fields=fields, had_files=bool(request.files),
            carry_prefix=CARRY_PREFIX, resubmit_to=RESUBMIT_TO, error=error,
        ),
        status,
    )  # fmt: skip


def _posted_form() -> bool:
    return request.method == "POST" and bool(request.form)


def init_error_handlers(app: Flask) -> None:
    """HTML error pages, except under /api/ where every error has the API's JSON shape (this
    covers what happens before a request reaches the API blueprint, like an unknown URL)."""
    from mediation.core.api import api_error_response, is_api_request

    @app.errorhandler(DomainError)
    def _domain_error(exc: DomainError) -> ResponseReturnValue:
        if is_api_request():
            return api_error_response(exc)
        return _error_page(exc.status_code, exc.message)

    @app.errorhandler(CSRFError)
    def _csrf_error(exc: CSRFError) -> ResponseReturnValue:
        if is_api_request():
            return api_error_response(exc)
        if _posted_form():
            return resubmit_page(request.full_path.rstrip("?"), carried_fields(request.form), 400)
        return _error_page(
            400,
            _("The form has expired or lacks its security token; reload the page and try again."),
        )

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> ResponseReturnValue:
        if is_api_request():
            return api_error_response(exc)
        return _error_page(exc.code or 500, None)


# The app loads nothing from elsewhere and writes no inline script, style or handler: its
# scripts and styles are files under /static/ (docs/security.md "Headers").
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
)
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=()"


def init_security_headers(app: Flask) -> None:
    """The headers of every answer. Everything but the static files carries personal data or
    may (pages, API answers, exports, attachments, error pages), so none of it is kept in a
    cache; HSTS is sent when `HSTS_SECONDS` is set (production)."""
    static_prefix = (app.static_url_path or "/static") + "/"
    hsts_seconds = int(app.config.get("HSTS_SECONDS") or 0)

    @app.after_request
    def _headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        if hsts_seconds > 0:
            headers.setdefault(
                "Strict-Transport-Security", f"max-age={hsts_seconds}; includeSubDomains"
            )
        if not request.path.startswith(static_prefix):
            headers["Cache-Control"] = "no-store"
            headers.pop("Expires", None)
        return response


def init_favicon(app: Flask) -> None:
    """Browsers ask for `/favicon.ico` on every site whatever the page links; answer it from
    the static folder instead of a 404 in every log line."""

    @app.get("/favicon.ico")
    def favicon() -> Response:
        return send_from_directory(
            app.static_folder or "static", "favicon.ico", mimetype="image/vnd.microsoft.icon",
            max_age=86400,
        )  # fmt: skip


def _label(value: object) -> str:
    word = label_of(value)
    return word if word is not None else str(getattr(value, "value", value))


# per catalogue (one per language), the words already looked up: a case list page shows
# three labels a row, and each lookup through the lazy string costs a catalogue search
_label_cache: dict[object, dict[object, str]] = {}


def labeller() -> Callable[[object], str]:
    """`label` bound to this request's catalogue, for a page that labels hundreds of codes: the
    catalogue is looked up once, not once a code."""
    if not has_app_context():  # no catalogue to remember words by
        return lambda value: "—" if value is None or value == "" else str(_label(value))
    words = _label_cache.setdefault(current_translations(), {})

    def word(value: object) -> str:
        try:
            return words[value]
        except KeyError:
            if value is None or value == "":
                return "—"
            text = words[value] = str(_label(value))
            return text
        except TypeError:  # an unhashable value: not a code
            return str(_label(value))

    return word


def label(value: object) -> str:
    """A person's word for any code the system stores, in the request's language."""
    return labeller()(value)


def state_badge(state: object, word: Callable[[object], str] = label) -> Markup:
    code = escape(getattr(state, "value", state))
    return Markup(f'<span class="badge state-{code}">{escape(word(state))}</span>')


def level_badge(level: object, word: Callable[[object], str] = label) -> Markup:
    if not level:
        return Markup("")
    code = escape(getattr(level, "value", level))
    return Markup(f'<span class="badge level-{code}">{escape(word(level))}</span>')


# per catalogue, the badges already written (a list page shows a hundred, of a dozen kinds)
_badge_cache: dict[object, dict[tuple[str, object], Markup]] = {}


def badge_writer() -> Callable[[str, object], Markup]:
    """`state_badge` and `level_badge` (`badge("state", value)`, `badge("level", value)`) for
    a page that shows many, each kind written once per language."""
    word = labeller()
    written = _badge_cache.setdefault(current_translations(), {}) if has_app_context() else {}
    writers = {"state": state_badge, "level": level_badge}

    def badge(kind: str, value: object) -> Markup:
        try:
            return written[kind, value]
        except KeyError:
            html = written[kind, value] = writers[kind](value, word)
            return html

    return badge


def select_options(choices: Iterable, selected: object = None, *, blank: bool = True) -> Markup:
    """The `<option>`s of a filter's `<select>`: an empty "All" first (unless `blank` is
    false), then one per choice (an enum member, labelled in the request's language, or a
    `(value, text)` pair), the one whose value is `selected` marked. The case list's filter
    form offers some sixty; written here they cost a fraction of the same loop in Jinja, and
    each set is written once per language (the organizations' too, by their ids and names)."""
    chosen = getattr(selected, "value", selected)
    if not has_app_context():
        return _write_options(choices, chosen, blank)
    key = (choices if isinstance(choices, type) else tuple(choices), chosen, blank)
    written = _options_cache.setdefault(current_translations(), {})
    try:
        return written[key]
    except TypeError:  # choices that cannot be a key (lists of lists): written each time
        return _write_options(choices, chosen, blank)
    except KeyError:  # (renamed organizations leave old sets behind: the cache is bounded)
        return _keep_bounded(written, key, _write_options(key[0], chosen, blank), OPTION_SETS_KEPT)


def _keep_bounded(cache: dict, key: object, value: _T, limit: int) -> _T:
    """Keep `value` under `key` in a per-process cache of at most `limit` entries (emptied
    when full: what is still in use comes back at once), and return it."""
    if len(cache) >= limit:
        cache.clear()
    cache[key] = value
    return value


# per catalogue, the option sets already written, by (enum or choices, selected, blank)
_options_cache: dict[object, dict[tuple, Markup]] = {}
OPTION_SETS_KEPT = 2048


def _write_options(choices: Iterable, chosen: object, blank: bool) -> Markup:
    word = labeller()
    parts = [f'<option value="">{escape(_("All"))}</option>'] if blank else []
    for choice in choices:
        if isinstance(choice, tuple):
            value, text = choice
        else:
            value, text = choice.value, word(choice)
        mark = " selected" if chosen is not None and value == chosen else ""
        parts.append(f'<option value="{escape(value)}"{mark}>{escape(text)}</option>')
    return Markup("".join(parts))


def url_prefix(endpoint: str, last_argument: str) -> str:
    """`url_for(endpoint, **{last_argument: id})` without the id, for a page that links to
    fifty of them: building each URL costs a route lookup, appending an id does not."""
    sentinel = 2147483647
    values: dict[str, Any] = {last_argument: sentinel}
    url = url_for(endpoint, **values)
    if not url.endswith(str(sentinel)):
        raise ValueError(f"{endpoint}'s {last_argument} is not the end of its URL")
    return url[: -len(str(sentinel))]


def local_datetime(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    if value is None:
        return "—"
    local = to_local(value)
    if fmt == "%Y-%m-%d %H:%M":  # the usual format, written without strftime (a third faster)
        return f"{local.year:04}-{local.month:02}-{local.day:02} {local.hour:02}:{local.minute:02}"
    return local.strftime(fmt)


def local_date_str(value: date | datetime | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return to_local(value).strftime("%Y-%m-%d")
    return value.isoformat()


def long_date(value: date | datetime | None) -> str:
    """A date written out as letters write it: 2026年12月3日 / December 3, 2026 (Babel's long
    format for the page's language)."""
    if value is None:
        return "—"
    if isinstance(value, datetime):
        value = to_local(value).date()
    return format_date(value, format="long")


MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def last_day_of(value: date | datetime) -> date:
    """The last day of a deadline: a date is its own; a moment at local midnight is the first
    moment after a period (24:00 of its last day, `core.periods.ends_at`), so the day before."""
    if not isinstance(value, datetime):
        return value
    local = to_local(value)
    if (local.hour, local.minute, local.second, local.microsecond) == (0, 0, 0, 0):
        return local.date() - timedelta(days=1)
    return local.date()


def by_day(value: date | datetime | None, today: date | None = None) -> str:
    """A deadline as its last day, that day included: "12月20日（含）前" / "by 20 Dec", with
    the year when it is not this year (docs/translations.md, "Deadlines"). Never the next
    day's 00:00."""
    if value is None:
        return "—"
    day = last_day_of(value)
    this_year = (today or local_date(utcnow())).year
    if current_locale() == "en":
        text = f"{day.day} {MONTHS_EN[day.month - 1]}"
        text += f" {day.year}" if day.year != this_year else ""
    else:
        text = (f"{day.year}年" if day.year != this_year else "") + f"{day.month}月{day.day}日"
    return _("by %(day)s", day=text)


def url_with(**changes: Any) -> str:
    """This page's query string with `changes` (a value of None or "" drops the argument)."""
    args = request.args.to_dict()
    args.update(changes)
    return "?" + urlencode({k: v for k, v in args.items() if v not in (None, "")})


def pager(page: Page | Pagination) -> Markup:
    """The links under a paged list (a `core.pagination.Page`, or Flask-SQLAlchemy's
    `Pagination` of the simple lists): previous, where, next. Written
    here rather than as a Jinja macro, whose call cost a case list page more than its three
    links (a macro call builds a context of its own; docs/performance.md, "The list page's
    rendering")."""
    # translations are trusted markup, as in templates; the numbers are escaped into them
    html = ['<nav class="pager">']
    if page.has_prev:
        link = escape(url_with(page=page.page - 1))
        previous = Markup(_("Previous page"))
        html.append(f'<a href="{link}">{previous}</a>')
    if getattr(page, "total_is_capped", False):
        where = Markup(_("Page %(page)s")) % {"page": page.page}
    else:  # (an empty list is still page 1 of 1)
        pages = max(page.pages, 1)
        where = Markup(_("Page %(page)s of %(pages)s")) % {"page": page.page, "pages": pages}
    html.append(f"<span>{where}</span>")
    if page.has_next:
        link = escape(url_with(page=page.page + 1))
        following = Markup(_("Next page"))
        html.append(f'<a href="{link}">{following}</a>')
    html.append("</nav>")
    return Markup("\n".join(html))


def init_template_helpers(app: Flask) -> None:
    app.jinja_env.filters.update(
        label=label,
        yuan=format_yuan,
        yuan_input=lambda fen: fen_to_yuan(fen) or "",
        local_dt=local_datetime,
        local_date=local_date_str,
        long_date=long_date,
        by_day=by_day,
        mask_id=mask_id_number,
        options=lambda items, value, text: [(getattr(i, value), getattr(i, text)) for i in items],
    )

    @app.context_processor
    def _globals() -> dict[str, Any]:
        return {"url_with": url_with}

    app.jinja_env.globals.update(
        state_badge=state_badge,
        level_badge=level_badge,
        url_prefix=url_prefix,
        pager=pager,
        select_options=select_options,
    )
