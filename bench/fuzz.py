"""Fuzz the running server from outside, as an attacker would, and print the figures.

    .venv/bin/python bench/fuzz.py [--max-examples 30] [--keep]

Builds a fresh SQLite database with the demo data (`flask db upgrade`, `flask demo load`) in a
temporary folder, serves the app (`flask serve`, production configuration) on a free port of
127.0.0.1, takes an API token for the demo administrator from `POST /api/v1/auth/tokens`, then

1. runs Schemathesis (its command line; by default every phase but `stateful`) against the server's own
   OpenAPI document with that token, checking `not_a_server_error` only, and reads every
   request it sent and every answer's status from its HAR report;
2. sends deeply nested JSON bodies (600 nested arrays, 5,000 nested objects, and the same
   inside a valid-looking object) with every method the document lists to every path, with
   and without the token, and to some paths outside the API.

It prints the requests tried, the answers by status and the 5xx seen (with the request), and
exits 1 when any answer was a 5xx. The operation that revokes the current token is left out
(it would end the run's authentication), as is the demo administrator's password change.
Not a test: the suite's tests/api/test_fuzz.py fuzzes in process; this runs against a server.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
EXCLUDED_PATHS = ["/api/v1/auth/tokens/current"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def nested(depth: int, kind: str) -> str:
    if kind == "array":
        return "[" * depth + "]" * depth
    return '{"a":' * depth + "1" + "}" * depth


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--max-examples", type=int, default=30)
    parser.add_argument("--seed", type=int, default=24)
    parser.add_argument(
        "--phases", default="examples,coverage,fuzzing", help="Schemathesis's phases (or: all)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="mediation-fuzz-"))
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "MEDIATION_ENV": "production",
        "MEDIATION_INSTANCE_PATH": str(work / "instance"),
        "DATABASE_URL": f"sqlite:///{work / 'fuzz.db'}",
        "SECRET_KEY": "fuzz-" + "x" * 40,
        "SESSION_COOKIE_SECURE": "false",
        "REMEMBER_COOKIE_SECURE": "false",
        # the token endpoint is throttled: the fuzzer's wrong passwords would otherwise be 429s
        # before they reach the code under test
        "RATELIMIT_ENABLED": "false",
        "SCHEDULER_EMBEDDED": "false",
    }
    flask = [str(BIN / "flask"), "--app", "wsgi"]
    for step in (["db", "upgrade"], ["demo", "load"]):
        subprocess.run([*flask, *step], cwd=ROOT, env=env, check=True, capture_output=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = open(work / "server.log", "w")  # noqa: SIM115 (closed at the end)
    server = subprocess.Popen(
        [*flask, "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        for _ in range(100):
            try:
                requests.get(base + "/api/v1/openapi.json", timeout=2)
                break
            except requests.ConnectionError:
                time.sleep(0.2)
        answer = requests.post(
            base + "/api/v1/auth/tokens",
            json={"username": "admin", "password": "demo1234"},
            timeout=10,
        )
        answer.raise_for_status()
        token = answer.json()["token"]
        statuses: Counter[int] = Counter()
        errors: list[str] = []

        # 1. Schemathesis against the document
        har = work / "schemathesis.har"
        command = [
            str(BIN / "schemathesis"), "run", base + "/api/v1/openapi.json",
            "--header", f"Authorization: Bearer {token}",
            "--checks", "not_a_server_error",
            *(["--phases", args.phases] if args.phases != "all" else []),
            "--max-examples", str(args.max_examples),
            "--seed", str(args.seed),
            "--workers", "2",
            "--continue-on-failure",
            "--report", "har", "--report-har-path", str(har),
            "--exclude-path", EXCLUDED_PATHS[0],
            "--exclude-by", "method == 'PUT' and path == '/api/v1/auth/password'",
        ]  # fmt: skip
        started = time.monotonic()
        run = subprocess.run(command, cwd=work, capture_output=True, text=True)
        elapsed = time.monotonic() - started
        entries = json.loads(har.read_text())["log"]["entries"] if har.exists() else []
        for entry in entries:
            status = int(entry["response"]["status"])
            statuses[status] += 1
            if status >= 500:
                errors.append(f"{entry['request']['method']} {entry['request']['url']}: {status}")
        schemathesis_requests = len(entries)

        # 2. deeply nested bodies, everywhere
        document = requests.get(base + "/api/v1/openapi.json", timeout=10).json()
        targets = [
            (method.upper(), "/api/v1" + path.replace("{case_id}", "1").replace("{id}", "1"))
            for path, item in document["paths"].items()
            for method in item
            if method in {"get", "post", "put", "patch", "delete"}
        ]
        targets += [("POST", "/login"), ("POST", "/cases/new"), ("POST", "/admin/import")]
        bodies = [
            nested(600, "array"),
            nested(5000, "object"),
            '{"title": ' + nested(2000, "array") + "}",
        ]
        nested_requests = 0
        for method, path in targets:
            if "{" in path:
                path = path.split("{")[0] + "1" + path.split("}", 1)[1]
            for body in bodies:
                for headers in ({}, {"Authorization": f"Bearer {token}"}):
                    response = requests.request(
                        method, base + path, data=body, timeout=30,
                        headers={**headers, "Content-Type": "application/json"},
                    )  # fmt: skip
                    nested_requests += 1
                    statuses[response.status_code] += 1
                    if response.status_code >= 500:
                        errors.append(f"{method} {path} (nested body): {response.status_code}")
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()

    total = schemathesis_requests + nested_requests
    print(f"schemathesis: {schemathesis_requests} requests in {elapsed:.0f} s "
          f"(exit code {run.returncode}; its summary:)")  # fmt: skip
    print("\n".join("    " + line for line in run.stdout.strip().splitlines()[-12:]))
    print(f"nested bodies: {nested_requests} requests over {len(targets)} method/path pairs")
    print(f"requests tried: {total}")
    print("answers by status: " + ", ".join(f"{s}: {n}" for s, n in sorted(statuses.items())))
    print(f"5xx seen: {len(errors)}")
    for line in errors[:50]:
        print("    " + line)
    tracebacks = (work / "server.log").read_text(errors="replace").count("Traceback")
    print(f"tracebacks in the server's log: {tracebacks}")
    if args.keep:
        print(f"kept: {work}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
