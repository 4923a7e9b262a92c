"""mediation: labor-dispute mediation and wage-arrears early warning.

`create_app` assembles the application from a short list of named `register_*` steps.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from config import get_config
from config.default import normalize_database_url
from mediation.core.jsonio import JSONProvider
from mediation.core.secret_key import SecretKeyError, choose_secret_key

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _shipped(name: str) -> Path:
    """A folder the app reads at run time: at the top of a checkout, or inside the package when
    installed from the wheel (pyproject.toml, `[tool.setuptools.package-dir]`)."""
    in_checkout = PROJECT_ROOT / name
    return in_checkout if in_checkout.is_dir() else Path(__file__).resolve().parent / name


class ConfigurationError(RuntimeError):
    pass


def _default_instance_path() -> str | None:
    """`instance/` at the top of a checkout; Flask's own choice (`<prefix>/var/…`) when the app
    is installed from the wheel."""
    return str(PROJECT_ROOT / "instance") if (PROJECT_ROOT / "pyproject.toml").is_file() else None


def create_app(config: str | Mapping[str, Any] | None = None, **overrides: Any) -> Flask:
    """Build the app. `config` names an environment (development/testing/production) or is a
    mapping of settings laid over the environment named by `MEDIATION_ENV`."""
    app = Flask(
        __name__,
        instance_path=os.environ.get("MEDIATION_INSTANCE_PATH") or _default_instance_path(),
        template_folder=str(_shipped("templates")),
        static_folder="static",
    )
    register_config(app, config, overrides)
    register_proxies(app)
    app.json = JSONProvider(app)  # orjson for `jsonify`; fields in schema order
    register_database(app)
    register_extensions(app)
    register_warnings(app)
    register_worker_services(app)
    register_inbox(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_template_helpers(app)
    register_cli(app)
    register_input_guard(app)
    register_security_headers(app)
    return app


def _coerce(value: str, default: Any) -> Any:
    if isinstance(default, bool):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        return int(value)
    if isinstance(default, float):
        return float(value)
    return value


def register_config(app: Flask, config: str | Mapping[str, Any] | None, overrides: dict) -> None:
    name = config if isinstance(config, str) else os.environ.get("MEDIATION_ENV", "development")
    cls = get_config(name)
    app.config.from_object(cls)
    # Every setting may be overridden by an environment variable of the same name.
    for key in [k for k in dir(cls) if k.isupper()]:
        if key in os.environ and key != "SQLALCHEMY_DATABASE_URI":
            app.config[key] = _coerce(os.environ[key], getattr(cls, key))
    url_var = "TEST_DATABASE_URL" if cls.ENV_NAME == "testing" else "DATABASE_URL"
    if os.environ.get(url_var):
        app.config["SQLALCHEMY_DATABASE_URI"] = os.environ[url_var]
    if isinstance(config, Mapping):
        app.config.update(config)
    app.config.update(overrides)

    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        app.config["SQLALCHEMY_DATABASE_URI"] = (
            f"sqlite:///{Path(app.instance_path) / 'mediation.db'}"
        )
    app.config["SQLALCHEMY_DATABASE_URI"] = normalize_database_url(
        app.config["SQLALCHEMY_DATABASE_URI"]
    )
    if app.config.get("DATABASE_REPLICA_URL"):
        app.config["DATABASE_REPLICA_URL"] = normalize_database_url(
            app.config["DATABASE_REPLICA_URL"]
        )
    try:
        app.config["SECRET_KEY"] = choose_secret_key(
            app.config.get("SECRET_KEY"), app.config["ENV_NAME"], app.instance_path
        )
    except SecretKeyError as exc:
        raise ConfigurationError(str(exc)) from None


def register_proxies(app: Flask) -> None:
    """Believe X-Forwarded-For/-Proto/-Host only from the PROXY_COUNT proxies configured in
    front of the app; with none, a client's own such headers change nothing."""
    count = int(app.config.get("PROXY_COUNT") or 0)
    if count > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=count, x_proto=count, x_host=count
        )


# How many prepared statements a PostgreSQL connection keeps (psycopg's default is 100). The
# case list writes its scope, its choice filters and its page into the SQL so that each one
# is planned once (core.db.literal_parameter): an office with many unions, sorts and filters
# has more such statements than a hundred, and a statement forgotten before its fifth use is
# never prepared. A kept plan takes some tens of kilobytes of the server's memory.
PREPARED_STATEMENTS_KEPT = 500


@event.listens_for(Engine, "connect")
def _more_prepared_statements(dbapi_connection, _record) -> None:
    if type(dbapi_connection).__module__.startswith("psycopg"):
        dbapi_connection.prepared_max = PREPARED_STATEMENTS_KEPT


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """Foreign keys on, WAL and a busy timeout so the embedded web app and scheduler share a file."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()


def register_database(app: Flask) -> None:
    # import every model so metadata is complete for create_all and Alembic
    from mediation.accounts import models as _accounts  # noqa: F401
    from mediation.advocates import models as _advocates  # noqa: F401
    from mediation.cases import imports as _imports  # noqa: F401
    from mediation.cases import models as _cases  # noqa: F401
    from mediation.cases import saved_filters as _saved_filters  # noqa: F401
    from mediation.core import calendar_models as _calendar  # noqa: F401
    from mediation.core import leases as _leases  # noqa: F401
    from mediation.core import migrations as migration_hooks
    from mediation.core import throttle as _throttle  # noqa: F401
    from mediation.core.db import (
        engines,
        init_read_only_engine,
        init_read_only_requests,
        init_replica,
        ping_idle_connections,
    )
    from mediation.enterprises import models as _enterprises  # noqa: F401
    from mediation.extensions import db, migrate
    from mediation.hardship import models as _hardship  # noqa: F401
    from mediation.hearings import models as _hearings  # noqa: F401
    from mediation.inbox import models as _inbox  # noqa: F401
    from mediation.incidents import models as _incidents  # noqa: F401
    from mediation.labour_supervision import models as _labour_supervision  # noqa: F401
    from mediation.legalaid import models as _legalaid  # noqa: F401
    from mediation.meetings import models as _meetings  # noqa: F401
    from mediation.orgs import models as _orgs  # noqa: F401
    from mediation.returns import models as _returns  # noqa: F401
    from mediation.surveys import models as _surveys  # noqa: F401
    from mediation.warnings import models as _warnings  # noqa: F401

    db.init_app(app)
    init_read_only_engine(app)
    init_replica(app)  # before the read-only hook: it takes its connection from the replica
    init_read_only_requests(app)  # first: before any other hook touches the database
    with app.app_context():
        if not (app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {}).get("pool_pre_ping"):
            # pool_pre_ping tests every checkout already
            for engine in engines():
                ping_idle_connections(engine, app.config["DATABASE_PING_AFTER_IDLE_SECONDS"])
        dialect = db.engine.dialect.name
    migrate.init_app(
        app,
        db,
        directory=str(_shipped("migrations")),
        render_as_batch=True,
        compare_type=migration_hooks.compare_type,
        include_object=migration_hooks.object_filter(dialect),
        render_item=migration_hooks.render_item,
    )


def register_extensions(app: Flask) -> None:
    from mediation.accounts.auth import init_login
    from mediation.core.i18n import init_i18n
    from mediation.core.signed_cookies import init_signed_cookies
    from mediation.core.storage import init_storage
    from mediation.extensions import csrf
    from mediation.warnings.delivery import init_mail

    init_storage(app)
    csrf.init_app(app)
    init_signed_cookies(app)
    init_login(app)
    init_i18n(app)
    init_mail(app)


def register_blueprints(app: Flask) -> None:
    from werkzeug.routing import IntegerConverter

    class IdConverter(IntegerConverter):
        """Ids in URLs: positive 32-bit integers (larger ones answer 404, not a database error)."""

        def __init__(self, url_map):
            super().__init__(url_map, min=1, max=2**31 - 1)

    app.url_map.converters["id"] = IdConverter
    from mediation.accounts.tokens import user_for_token
    from mediation.accounts.views import bp as accounts_bp
    from mediation.admin.views import bp as admin_bp
    from mediation.advocates.views import bp as advocates_bp
    from mediation.cases.action_views import bp as case_actions_bp
    from mediation.cases.document_views import bp as documents_bp
    from mediation.cases.referral_views import bp as referrals_bp
    from mediation.cases.views import bp as cases_bp
    from mediation.cases.workflow_page import bp as workflow_bp
    from mediation.core.api import init_api
    from mediation.core.health import bp as health_bp
    from mediation.dashboard.views import bp as dashboard_bp
    from mediation.enterprises.views import bp as enterprises_bp
    from mediation.hardship.views import bp as hardship_bp
    from mediation.hearings import wiring as _hearings_on_the_case_page  # noqa: F401
    from mediation.hearings.views import bp as hearings_bp
    from mediation.inbox.views import bp as inbox_bp
    from mediation.incidents.views import bp as incidents_bp
    from mediation.legalaid.views import bp as legalaid_bp
    from mediation.meetings.views import bp as meetings_bp
    from mediation.projects.views import bp as projects_bp
    from mediation.reports.views import bp as reports_bp
    from mediation.returns import views as _returns_views
    from mediation.surveys.views import bp as surveys_bp
    from mediation.warnings.views import bp as warnings_bp

    app.register_blueprint(health_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(dashboard_bp)
    app.register_blueprint(cases_bp)
    app.register_blueprint(case_actions_bp)
    app.register_blueprint(referrals_bp)  # referrals between unions (docs/referrals.md)
    app.register_blueprint(warnings_bp)
    app.register_blueprint(documents_bp)
    app.register_blueprint(workflow_bp)
    app.register_blueprint(enterprises_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(incidents_bp)
    app.register_blueprint(hearings_bp)
    app.register_blueprint(meetings_bp)
    app.register_blueprint(projects_bp)  # construction projects (docs/enterprise-file.md)
    # the worker services (docs/worker-services.md)
    app.register_blueprint(hardship_bp)
    app.register_blueprint(legalaid_bp)
    app.register_blueprint(advocates_bp)
    app.register_blueprint(inbox_bp)  # the in-app notices (docs/notifications.md)
    app.register_blueprint(_returns_views.bp)  # returns on rights work (docs/returns.md)
    app.register_blueprint(surveys_bp)  # the labour-relations survey (docs/enterprise-file.md)
    from mediation.labour_supervision import api as labour_supervision_api
    from mediation.labour_supervision.views import bp as labour_supervision_bp

    app.register_blueprint(labour_supervision_bp)  # (docs/enterprise-file.md)
    # the JSON API: each domain's operations on a blueprint of its own (docs/architecture.md
    # "The API")
    from mediation.accounts import api as accounts_api
    from mediation.advocates import api as advocates_api
    from mediation.cases import api as cases_api
    from mediation.enterprises import api as enterprises_api
    from mediation.hardship import api as hardship_api
    from mediation.hearings import api as hearings_api
    from mediation.inbox import api as inbox_api
    from mediation.incidents import api as incidents_api
    from mediation.legalaid import api as legalaid_api
    from mediation.meetings import api as meetings_api
    from mediation.orgs import api as orgs_api
    from mediation.projects import api as projects_api
    from mediation.reports import api as reports_api
    from mediation.returns import api as _returns_api
    from mediation.warnings import api as warnings_api

    api = init_api(app, user_for_token=user_for_token)
    for module in (
        accounts_api, orgs_api, cases_api, warnings_api, enterprises_api, reports_api,
        incidents_api, hearings_api, meetings_api,
    ):  # fmt: skip
        api.register_blueprint(module.bp)
    for module in (hardship_api, legalaid_api, advocates_api):  # the worker services
        api.register_blueprint(module.bp)
    api.register_blueprint(inbox_api.bp)
    api.register_blueprint(_returns_api.bp)
    from mediation.surveys import api as surveys_api

    api.register_blueprint(surveys_api.bp)
    api.register_blueprint(projects_api.bp)
    api.register_blueprint(labour_supervision_api.bp)


def register_warnings(app: Flask) -> None:
    from mediation.warnings.wiring import init_warnings

    init_warnings(app)


def register_worker_services(app: Flask) -> None:
    """The worker services' reactions to cases (docs/worker-services.md): connected once, like
    the warning engine's receivers."""
    from mediation.advocates.wiring import init_advocates
    from mediation.hardship.wiring import init_hardship
    from mediation.legalaid.wiring import init_legalaid

    init_advocates()
    init_hardship()
    init_legalaid()


def register_inbox(app: Flask) -> None:
    """The in-app notices' receivers and the bell (docs/notifications.md)."""
    from mediation.inbox.wiring import init_inbox

    init_inbox(app)


def register_error_handlers(app: Flask) -> None:
    from mediation.core.web import init_error_handlers, init_favicon

    init_error_handlers(app)
    init_favicon(app)


def register_template_helpers(app: Flask) -> None:
    from mediation.core.web import init_template_helpers

    init_template_helpers(app)


def register_cli(app: Flask) -> None:
    from mediation.cli import init_cli

    init_cli(app)


def register_input_guard(app: Flask) -> None:
    from mediation.core.input_guard import init_input_guard

    init_input_guard(app)


def register_security_headers(app: Flask) -> None:
    from mediation.core.web import init_security_headers

    init_security_headers(app)
