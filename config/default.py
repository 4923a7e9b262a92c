"""Defaults shared by every environment.

Every upper-case setting here can be overridden by an environment variable of the same name
(`DATABASE_URL` sets `SQLALCHEMY_DATABASE_URI`); the app factory applies them, coercing the
text to the type of the default.
"""

from __future__ import annotations


def normalize_database_url(url: str) -> str:
    """Accept plain `postgresql://` URLs and pick the psycopg 3 driver for them."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class DefaultConfig:
    ENV_NAME = "default"
    # empty: development generates one into instance/secret_key, production refuses to start
    # (mediation/core/secret_key.py)
    SECRET_KEY = ""
    # None means "a SQLite file in the instance folder", resolved by the app factory.
    SQLALCHEMY_DATABASE_URI: str | None = None
    # pool_pre_ping: every pooled connection is tested as it is taken, so a connection the
    # database ended (a restart, a failover, an idle timeout) is replaced instead of failing a
    # request with a 500. It costs a round trip per request; without it (an override that
    # leaves it out or sets it false) a connection is tested only after sitting idle for
    # DATABASE_PING_AFTER_IDLE_SECONDS.
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    DATABASE_PING_AFTER_IDLE_SECONDS = 10.0
    SQLALCHEMY_TRACK_MODIFICATIONS = False

    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None  # tokens live as long as the session
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SECURE = False

    # How many reverse proxies stand in front of the app, each adding itself to
    # X-Forwarded-For/-Proto/-Host; 0 (no proxy) trusts none of those headers (docs/security.md)
    PROXY_COUNT = 0

    # Strict-Transport-Security's max-age; 0 sends none (production sets a year)
    HSTS_SECONDS = 0

    # Werkzeug hash method; production keeps scrypt, tests use a cheaper one.
    PASSWORD_HASH_METHOD = "scrypt"

    TIMEZONE = "Asia/Shanghai"
    CASES_PER_PAGE = 25
    # the case list (page, API) counts matching cases up to this many and shows "more than"
    # beyond: an exact count over a million rows costs more than the page itself
    CASES_COUNT_LIMIT = 1_000
    # the statistics run this many of their statements at the same time, each on a connection
    # of its own (PostgreSQL; 1: one after the other in the request's connection)
    STATS_CONCURRENCY = 3
    MAX_TEXT_LENGTH = 10_000
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024

    # a local mediation-arbitration linkage (调裁衔接): the arbitration commission takes cases
    # transferred by the union with the party's written application enclosed, so a case referred
    # to arbitration gets a transfer letter (移送函) besides the notice to the parties. Without
    # one the party applies to the commission alone (LDMAL art. 28) and no letter is printed.
    MEDIATION_ARBITRATION_LINKAGE = False

    # possible duplicates: open cases against the same employer with an overlapping category
    # received within this many days of each other (docs/collective.md)
    DUPLICATE_WINDOW_DAYS = 30

    # evidence uploads (types: see mediation/cases/attachments.py)
    ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
    ATTACHMENT_FOLDER = ""  # empty: instance/attachments

    # JSON API
    API_TOKEN_TTL_HOURS = 24 * 30
    API_MAX_PER_PAGE = 100
    API_DEFAULT_PER_PAGE = 25
    # Flask-Limiter: login and token issuance; memory:// is per process (use redis:// or
    # memcached:// to share the count between gunicorn workers)
    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI = "memory://"
    LOGIN_RATE_LIMIT = "10 per minute; 50 per hour"

    # early warning
    SCHEDULER_EMBEDDED = False
    SWEEP_INTERVAL_SECONDS = 60
    DELIVERY_INTERVAL_SECONDS = 30
    DIGEST_TIME = "08:00"  # China time

    # notifications (e-mail through Flask-Mailman, optional SMS webhook that takes {"to", "text"}
    # as JSON)
    BASE_URL = "http://127.0.0.1:5000"
    MAIL_SERVER = ""  # empty: mail is written to files in MAIL_FILE_PATH instead of sent
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USE_SSL = False
    MAIL_USERNAME = ""
    MAIL_PASSWORD = ""
    MAIL_SENDER = "预警通知 <alerts@mediation.local>"
    MAIL_TIMEOUT = 10
    # the domain of the notifications' Message-IDs; empty: BASE_URL's host
    MAIL_MESSAGE_ID_DOMAIN = ""
    # Flask-Mailman's backend: empty picks "smtp" with a MAIL_SERVER and "file" without one
    MAIL_BACKEND = ""
    MAIL_FILE_PATH = ""  # the file backend's folder; empty: instance/mail
    SMS_WEBHOOK_URL = ""
    NOTIFY_MAX_ATTEMPTS = 48
