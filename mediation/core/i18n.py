"""Languages: Chinese first (zh_Hans_CN), English second (Flask-Babel 4).

The language follows the signed-in user's stored preference, then the `lang` the visitor chose
in this session, then the browser's Accept-Language; times are shown in Asia/Shanghai.
"""

from __future__ import annotations

from flask import Flask, current_app, has_request_context, request, session
from flask_babel import gettext, lazy_gettext, ngettext
from flask_login import current_user

from mediation.extensions import babel

DEFAULT_LOCALE = "zh_Hans_CN"
# the language codes the UI offers, with the browser tags that map to each
LANGUAGES: dict[str, tuple[str, ...]] = {
    "zh_Hans_CN": ("zh-CN", "zh-Hans-CN", "zh-Hans", "zh", "zh-SG"),
    "en": ("en", "en-US", "en-GB"),
}
LANGUAGE_NAMES = {"zh_Hans_CN": "中文", "en": "English"}

_ = gettext
__all__ = ["_", "gettext", "lazy_gettext", "ngettext", "select_locale", "init_i18n"]


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
    return current_app.config.get("TIMEZONE", "Asia/Shanghai")


def init_i18n(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LOCALE)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", app.config.get("TIMEZONE", "Asia/Shanghai"))
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
