from config.default import DefaultConfig


class DevelopmentConfig(DefaultConfig):
    ENV_NAME = "development"
