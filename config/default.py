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
    # a read replica of that database: GET requests read from it (docs/deployment.md "Read
    # replica"); empty: everything on the primary
    DATABASE_REPLICA_URL = ""
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
    # where the files' bytes live (docs/deployment.md "Attachments"): "folder" (one host) or
    # "s3" (an S3-compatible bucket every web host shares: MinIO, Ceph, a cloud bucket)
    ATTACHMENT_STORAGE = "folder"
    ATTACHMENT_FOLDER = ""  # folder: its path; empty: instance/attachments
    S3_BUCKET = ""
    S3_PREFIX = "attachments/"  # the objects' keys begin with it
    S3_ENDPOINT_URL = ""  # empty: AWS itself; MinIO e.g. http://minio:9000
    S3_REGION = ""
    # empty: boto3's own credentials (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, ~/.aws, a role)
    S3_ACCESS_KEY_ID = ""
    S3_SECRET_ACCESS_KEY = ""

    # JSON API
    API_TOKEN_TTL_HOURS = 24 * 30
    API_MAX_PER_PAGE = 100
    API_DEFAULT_PER_PAGE = 25
    # sign-in throttling, web and API together (docs/security.md "Sign-in throttling"): failed
    # attempts counted in the database, or in Redis when this is redis://host:port/db; shared
    # by every worker and host either way
    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI = ""
    LOGIN_THROTTLE_WINDOW_SECONDS = 15 * 60
    LOGIN_FAILURES_PER_PAIR = 5  # one account from one address
    LOGIN_FAILURES_PER_ADDRESS = 20  # one address, any accounts
    LOGIN_FAILURES_PER_ACCOUNT = 10  # one account, any addresses (locks only those that failed)

    # early warning
    SCHEDULER_EMBEDDED = False
    SWEEP_INTERVAL_SECONDS = 60
    DELIVERY_INTERVAL_SECONDS = 30
    DIGEST_TIME = "08:00"  # China time
    # every scheduler writes a heartbeat this often; /healthz calls it stale after the max age
    SCHEDULER_HEARTBEAT_SECONDS = 60
    HEALTH_HEARTBEAT_MAX_AGE_SECONDS = 180
    IMPORT_POLL_SECONDS = 5  # how often the scheduler looks for queued case imports

    # worker services (docs/worker-services.md)
    HARDSHIP_REVIEW_REMINDER_DAYS = 30  # the officers are told this long before a yearly review
    HARDSHIP_REMINDER_TIME = "07:30"  # China time, the daily job that queues the reminders
    RETURNS_DUE_DAY = 10  # a period's return falls due this day of the following month
    RETURNS_REMINDER_DAYS = 3  # the town officers are reminded this many days before it
    # an advocate is assigned to cases only after a training of this kind (when required)
    ADVOCATE_TRAINING_REQUIRED = True
    ADVOCATE_TRAINING_KIND = "introductory"

    # the labour-relations survey (docs/enterprise-file.md "Risk"): an enterprise whose labour
    # contracts cover fewer of its employees than this is at risk (the national target of 90%)
    SURVEY_SIGNING_RATE_THRESHOLD = 0.9
    ADVOCATE_REVIEW_AFTER_DAYS = 90  # without any recorded visit: up for review

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
