"""The multi-host deployment files (docs/deployment.md): the compose file wires the services as
the page says, the Containerfile copies what exists and runs commands the app has, and the page
names every setting. The image itself is not built here (no container daemon, no registry)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from config.default import DefaultConfig

ROOT = Path(__file__).resolve().parents[1]
yaml = pytest.importorskip("yaml", reason="PyYAML reads the compose file")

APP_SERVICES = ("migrate", "web1", "web2", "scheduler")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))


def _instructions() -> list[tuple[str, str]]:
    """The Containerfile's instructions, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n\s*", " ", (ROOT / "Containerfile").read_text(encoding="utf-8"))
    lines = [line.strip() for line in text.splitlines()]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1])
        for line in lines
        if line and not line.startswith("#")
    ]


def test_compose_has_two_web_hosts_a_scheduler_postgres_and_redis(compose):
    services = compose["services"]
    assert {"db", "redis", "migrate", "web1", "web2", "scheduler", "proxy"} <= set(services)
    assert services["db"]["image"].startswith("postgres:")
    assert services["redis"]["image"].startswith("redis:")
    assert services["minio"]["profiles"] == ["minio"]  # optional
    for name in APP_SERVICES:
        service = services[name]
        assert service["build"]["dockerfile"] == "Containerfile"
        environment = service["environment"]
        assert environment["MEDIATION_ENV"] == "production"
        assert environment["SCHEDULER_EMBEDDED"] == "false"
        assert environment["RATELIMIT_STORAGE_URI"].startswith("redis://redis:")
        assert environment["DATABASE_URL"].startswith("postgresql://")
        assert "${SECRET_KEY:?" in environment["SECRET_KEY"]  # required, one for all hosts


def test_the_migration_runs_before_the_web_hosts_and_the_scheduler(compose):
    services = compose["services"]
    assert services["migrate"]["command"] == ["flask", "--app", "wsgi", "db", "upgrade"]
    for name in ("web1", "web2", "scheduler"):
        needs = services[name]["depends_on"]
        assert needs["migrate"] == {"condition": "service_completed_successfully"}
        assert needs["db"] == {"condition": "service_healthy"}
    assert services["scheduler"]["command"] == ["flask", "--app", "wsgi", "scheduler", "run"]
    for name in ("web1", "web2"):
        assert (
            services[name]["command"][0] == "gunicorn" and "wsgi:app" in services[name]["command"]
        )
    proxy = services["proxy"]["command"]
    assert "web1:8000" in proxy and "web2:8000" in proxy


def test_every_setting_compose_passes_is_a_real_setting(compose):
    known = {k for k in dir(DefaultConfig) if k.isupper()} | {
        "DATABASE_URL", "MEDIATION_ENV", "MEDIATION_INSTANCE_PATH",
    }  # fmt: skip
    for name in APP_SERVICES:
        unknown = set(compose["services"][name]["environment"]) - known
        assert not unknown, f"{name}: {unknown}"


def test_the_containerfile_copies_what_exists_and_runs_what_the_app_has(app):
    instructions = _instructions()
    assert instructions[0][0] == "FROM"
    for kind, argument in instructions:
        if kind == "COPY":
            *sources, _target = argument.split()
            for source in sources:
                assert (ROOT / source).exists(), f"COPY {source}: no such path"
    cmd = next(argument for kind, argument in instructions if kind == "CMD")
    assert "wsgi:app" in cmd and (ROOT / "wsgi.py").is_file()
    run = " ".join(argument for kind, argument in instructions if kind == "RUN")
    assert 'pip install ".[deploy]"' in run
    healthcheck = next(argument for kind, argument in instructions if kind == "HEALTHCHECK")
    assert "/healthz" in healthcheck and "/healthz" in {r.rule for r in app.url_map.iter_rules()}
    # the commands compose runs with this image exist in the app
    for command in (["db", "upgrade"], ["scheduler", "run"]):
        group = app.cli.commands[command[0]]
        assert command[1] in group.commands  # type: ignore[attr-defined]


def test_the_deploy_extra_names_what_the_image_needs():
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    deploy = " ".join(project["optional-dependencies"]["deploy"])
    assert "gunicorn" in deploy and "redis" in deploy
    assert any(d.startswith("boto3") for d in project["dependencies"])


def test_the_deployment_page_names_every_setting():
    page = (ROOT / "docs" / "deployment.md").read_text(encoding="utf-8")
    settings = {k for k in dir(DefaultConfig) if k.isupper()} - {"SQLALCHEMY_DATABASE_URI"}
    missing = sorted(s for s in settings if f"`{s}`" not in page)
    assert not missing, f"docs/deployment.md 'Settings' lacks {missing}"
    for words in ("/healthz", "pg_dump", "flask --app wsgi db upgrade", "PROXY_COUNT"):
        assert words in page
