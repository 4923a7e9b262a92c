"""`flask serve` (what `make run` starts): the URL once, no request log by default, and a taken
port reported with the way out, before anything starts and without claiming to serve."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def env(tmp_path) -> dict[str, str]:
    return os.environ | {
        "MEDIATION_ENV": "development",
        "MEDIATION_INSTANCE_PATH": str(tmp_path / "instance"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}",
        "SECRET_KEY": "a-test-secret-key-of-at-least-32-bytes!",
        "SCHEDULER_EMBEDDED": "false",
        "PYTHONUNBUFFERED": "1",
    }


def _serve(env: dict[str, str], port: int) -> subprocess.Popen:
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "serve", "--port", str(port)]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)  # fmt: skip


def _wait_for(url: str, deadline: float = 30) -> None:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url} never answered")


def test_serve_prints_its_url_once_and_no_request_log(env):
    port = _free_port()
    server = _serve(env, port)
    try:
        _wait_for(f"http://127.0.0.1:{port}/login")
        for _ in range(3):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5).read()
    finally:
        server.terminate()
        out, err = server.communicate(timeout=20)
    assert out.count(f"http://127.0.0.1:{port}/") == 1, out
    assert "GET /login" not in out + err  # no per-request log line by default
    assert "Running on" not in out + err  # nor Werkzeug's own banner


def test_a_taken_port_is_reported_and_nothing_claims_to_serve(env):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server = _serve(env, port)
        out, err = server.communicate(timeout=60)
    assert server.returncode == 2
    assert "already in use" in err and f"PORT={port + 1}" in err
    assert "serving" not in out
