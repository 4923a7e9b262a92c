from config.default import DefaultConfig


class ProductionConfig(DefaultConfig):
    """Production: secure cookies, HTTPS URLs; refuses a missing or weak SECRET_KEY (core/secret_key.py)."""

    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"
    HSTS_SECONDS = 365 * 24 * 3600
