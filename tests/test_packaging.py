"""The wheel holds what the app needs at run time, and an app installed from it runs: its
templates, translations, static files, rule defaults and migrations come from the wheel."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SKIP = shutil.ignore_patterns(".venv", ".git", "instance", "*.egg-info", "build", "__pycache__")


def test_the_package_list_names_every_package():
    declared = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    on_disk = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for top in ("mediation", "config")
        for init in (ROOT / top).rglob("__init__.py")
    }
    assert declared == on_disk | {"mediation.templates", "mediation.migrations"}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("wheel")
    source = work / "src"
    shutil.copytree(ROOT, source, ignore=SKIP)
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "--wheel-dir", str(work / "dist"), str(source)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    if built.returncode != 0 and "No module named" in built.stderr:
        pytest.skip(f"cannot build wheels here: {built.stderr.strip()[-200:]}")
    assert built.returncode == 0, built.stderr
    return next((work / "dist").glob("mediation-*.whl"))


def test_the_wheel_holds_what_the_app_reads_at_run_time(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {
        "mediation/templates/base.html",
        "mediation/templates/cases/detail.html",
        "mediation/translations/zh_Hans_CN/LC_MESSAGES/messages.mo",
        "mediation/static/app.css",
        "config/warning_rules.toml",
        "mediation/migrations/env.py",
        "mediation/migrations/alembic.ini",
        "mediation/migrations/script.py.mako",
    }
    assert expected <= names, expected - names
    shipped = {n for n in names if n.startswith("mediation/migrations/versions/")}
    assert len(shipped) == len(list((ROOT / "migrations" / "versions").glob("*.py")))


def test_an_app_installed_from_the_wheel_migrates_and_renders(wheel, tmp_path):
    target = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(target)
    script = f"""
import mediation, flask_migrate
from sqlalchemy import inspect
from mediation.extensions import db
from mediation.warnings.settings import load_defaults
assert mediation.__file__.startswith({str(target)!r}), mediation.__file__
app = mediation.create_app("testing", SQLALCHEMY_DATABASE_URI="sqlite:///{tmp_path / "w.db"}")
assert app.template_folder.startswith({str(target)!r})
with app.app_context():
    flask_migrate.upgrade()
    assert "cases" in inspect(db.engine).get_table_names()
assert load_defaults()["mediation_overdue"]["max_extension_days"] == 15
client = app.test_client()
page = client.get("/login", headers={{"Accept-Language": "zh-CN"}})
assert page.status_code == 200 and "登录" in page.get_data(as_text=True)
assert client.get("/static/app.css").status_code == 200
print("ok")
"""
    ran = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin", "MEDIATION_ENV": "testing"},
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert ran.returncode == 0 and ran.stdout.strip() == "ok", ran.stderr[-2000:]
