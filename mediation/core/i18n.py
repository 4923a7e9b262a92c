"""Languages: Chinese first (zh_Hans_CN), English second (Flask-Babel 4).

The language follows the signed-in user's stored preference, then the `lang` the visitor chose
in this session, then the browser's Accept-Language; times are shown in the local zone (`TIMEZONE`).
Outside a request (the scheduler, the CLI) the language is Chinese.

Messages are written as English msgids; `mediation/translations/<locale>/LC_MESSAGES/messages.po`
holds the translations (`make messages` extracts, updates and compiles them).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from babel.support import NullTranslations
from flask import Flask, current_app, g, has_request_context, request, session
from flask_babel import force_locale, get_locale, get_translations
from flask_babel.speaklater import LazyString
from flask_login import current_user
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from mediation.core.clock import DEFAULT_TIMEZONE
from mediation.core.messages import InContext, Message
from mediation.extensions import babel

DEFAULT_LOCALE = "zh_Hans_CN"
# the language codes the UI offers, with the browser tags that map to each
LANGUAGES: dict[str, tuple[str, ...]] = {
    "zh_Hans_CN": ("zh-CN", "zh-Hans-CN", "zh-Hans", "zh", "zh-SG"),
    "en": ("en", "en-US", "en-GB"),
}
LANGUAGE_NAMES = {"zh_Hans_CN": "中文", "en": "English"}
# the value of <html lang> for each language
HTML_LANG = {"zh_Hans_CN": "zh-CN", "en": "en"}


def current_translations() -> NullTranslations:
    """This request's catalogue. Flask-Babel looks it up anew on every message (three lookups
    of its context, the locale turned into a string, a dictionary key): a third of a case list
    page's rendering (docs/performance.md, "The list page's rendering"). Here it is remembered
    beside the locale it belongs to, so `force_locale` (which swaps the locale object) still
    gets its own language."""
    try:
        ctx = g._flask_babel
    except (AttributeError, RuntimeError):  # no message yet in this context, or no context
        return get_translations()
    locale = getattr(ctx, "babel_locale", None)
    remembered = getattr(ctx, "mediation_translations", None)
    if locale is not None and remembered is not None and remembered[0] is locale:
        return remembered[1]
    translations = get_translations()
    ctx.mediation_translations = (getattr(ctx, "babel_locale", None), translations)
    return translations


def gettext(string: str, **variables: Any) -> str:
    """Flask-Babel's `gettext`, with the catalogue looked up once per request and locale. A
    msgid marked with its context (`NP_`) is looked up in that context."""
    if type(string) is InContext:
        return pgettext(string.context, string, **variables)
    text = current_translations().ugettext(string)
    return text % variables if variables else text


def pgettext(context: str, string: str, **variables: Any) -> str:
    """A message in its context: the same English word with another meaning on another screen
    ("From" a date, "From" a state) gets its own translation (docs/translations.md)."""
    text = current_translations().upgettext(context, str(string))
    return text % variables if variables else text


def ngettext(singular: str, plural: str, num: int, **variables: Any) -> str:
    variables.setdefault("num", num)
    text = current_translations().ungettext(singular, plural, num)
    return text % variables if variables else text


def lazy_gettext(string: str, **variables: Any) -> LazyString:
    return LazyString(gettext, string, **variables)


def lazy_pgettext(context: str, string: str, **variables: Any) -> LazyString:
    return LazyString(pgettext, context, string, **variables)


_ = gettext
__all__ = [
    "_",
    "gettext",
    "lazy_gettext",
    "lazy_pgettext",
    "ngettext",
    "pgettext",
    "force_locale",
    "select_locale",
    "current_locale",
    "current_translations",
    "stored_text",
    "translate_message",
    "translate_field_errors",
    "init_i18n",
]


# per catalogue, the templates' translations of the messages that take no variables
_template_words: dict[object, dict[str, Markup]] = {}


@pass_context
def template_gettext(context: Context, string: str, /, **variables: Any) -> str:
    """`_()` in templates: Jinja's newstyle gettext (the translation is trusted markup, its
    variables are escaped, `%%` is always a format), with the translations of messages without
    variables remembered per catalogue. A page calls it some thirty times, and Jinja's own
    version cost a twentieth of the case list page's CPU."""
    translations = current_translations()
    if type(string) is InContext:  # a label marked with its context (`NP_`)
        return template_pgettext(context, string.context, string, **variables)
    if variables or not context.eval_ctx.autoescape:
        text = translations.ugettext(string)
        return (Markup(text) if context.eval_ctx.autoescape else text) % variables
    words = _template_words.setdefault(translations, {})
    try:
        return words[string]
    except KeyError:
        word = words[string] = Markup(translations.ugettext(string)) % {}
        return word


@pass_context
def template_pgettext(context: Context, msgctxt: str, string: str, /, **variables: Any) -> str:
    """`pgettext(context, msgid)` in templates, escaped and formatted as `_()` is."""
    text = current_translations().upgettext(msgctxt, str(string))
    return (Markup(text) if context.eval_ctx.autoescape else text) % variables


def select_locale() -> str:
    """The user's stored preference, then this session's choice, then the browser."""
    if not has_request_context():  # the CLI, the scheduler: the default language
        return DEFAULT_LOCALE
    if getattr(current_user, "is_authenticated", False) and current_user.locale in LANGUAGES:
        return current_user.locale
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return chosen
    tags = {tag: code for code, tags in LANGUAGES.items() for tag in tags}
    best = request.accept_languages.best_match(list(tags))
    return tags.get(best, DEFAULT_LOCALE) if best else DEFAULT_LOCALE


def select_timezone() -> str:
    return current_app.config.get("TIMEZONE") or DEFAULT_TIMEZONE


def current_locale() -> str:
    """The code (a key of LANGUAGES) of the language in use."""
    locale = get_locale()
    code = str(locale) if locale is not None else DEFAULT_LOCALE
    return code if code in LANGUAGES else DEFAULT_LOCALE


@contextmanager
def stored_text() -> Iterator[None]:
    """Text kept in the database (audit-trail bodies) is written in Chinese, whoever acts."""
    with force_locale(DEFAULT_LOCALE):
        yield


# --- field error messages -------------------------------------------------------------------------
# Services and schemas raise English messages (the JSON API returns them as they are); the web
# layer shows them in the user's language. A message with values in it is a `Message`, which
# keeps its msgid and values (`mediation.core.messages`).


def translate_message(message: object) -> str:
    """A message in the language of the request: a `Message` by its msgid, with its values
    (themselves translated when they are messages); any other text by itself as the msgid
    (marshmallow's messages, and services' messages without values). Unknown text is shown as
    it is."""
    if isinstance(message, Message):
        values = {k: translate_message(v) if isinstance(v, str) else v
                  for k, v in message.values.items()}  # fmt: skip
        return gettext(message.msgid, **values) if values else gettext(message.msgid)
    text = str(message)
    return gettext(text) if text and "%" not in text else text


def translate_field_errors(errors: dict) -> dict[str, list[str]]:
    return {field: [translate_message(m) for m in messages] for field, messages in errors.items()}


def init_i18n(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LOCALE)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", app.config.get("TIMEZONE") or DEFAULT_TIMEZONE)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    # templates translate through the same remembered catalogue (Jinja's newstyle gettext
    # formats and escapes the result itself)
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]  # (jinja2.ext.i18n's)
        lambda string: current_translations().ugettext(string),
        lambda singular, plural, num: current_translations().ungettext(singular, plural, num),
        newstyle=True,
    )
    app.jinja_env.globals.update(
        _=template_gettext, gettext=template_gettext, pgettext=template_pgettext
    )

    @app.before_request
    def _fresh_locale() -> None:
        """Each request chooses its language afresh (an app context may outlive one request)."""
        g.pop("_flask_babel", None)

    app.jinja_env.filters["tr"] = translate_message

    @app.context_processor
    def _language() -> dict[str, Any]:
        code = current_locale()
        return {
            "current_locale": code,
            "html_lang": HTML_LANG.get(code, "zh-CN"),
            "languages": LANGUAGE_NAMES,
        }
