from config.default import DefaultConfig


class ProductionConfig(DefaultConfig):
    """Production: secure cookies, HTTPS URLs; refuses the default SECRET_KEY (see app factory)."""

    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"
