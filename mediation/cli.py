"""`flask --app wsgi …` command groups."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from mediation.core.errors import ValidationFailed

users_cli = AppGroup("users", help="Manage user accounts.")
demo_cli = AppGroup("demo", help="Demonstration data.")
audit_cli = AppGroup("audit", help="Check the audit trail.")
warnings_cli = AppGroup("warnings", help="The early-warning engine.")
scheduler_cli = AppGroup("scheduler", help="The scheduler process.")
workflow_cli = AppGroup("workflow", help="The case lifecycle.")


def _parse_now(_ctx, _param, value: str | None):
    """ISO 8601; without an offset the time is China time."""
    if value is None:
        return None
    from datetime import datetime

    from mediation.core.clock import LOCAL_TZ, ensure_utc

    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not an ISO 8601 time, e.g. 2026-11-23T09:00+08:00"
        ) from None
    if not 1990 <= moment.year <= 2100:
        raise click.BadParameter(f"{value!r} is not a plausible time (years 1990–2100)")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=LOCAL_TZ)
    return ensure_utc(moment)


@warnings_cli.command("sweep")
@click.option("--now", callback=_parse_now, help="pretend it is this time (ISO 8601)")
@click.option("--batch-size", default=500, show_default=True, type=click.IntRange(1, 100_000))
def sweep_command(now, batch_size):
    """Run one sweep and print what it did."""
    from mediation.warnings.rules import RULE_LABELS
    from mediation.warnings.sweep import sweep

    outcome = sweep(now, batch_size=batch_size)
    for label, alerts in (
        ("raised", outcome.raised),
        ("climbed", outcome.climbed),
        ("relevel", outcome.releveled),
    ):
        for alert in alerts:
            click.echo(
                f"{label:8} {alert.case.number:<24} {alert.level.value:<7} "
                f"{RULE_LABELS.get(alert.rule, alert.rule)} -> {alert.target_org.name}"
            )
    click.echo(
        f"checked {outcome.checked} case(s): raised {len(outcome.raised)}, "
        f"climbed {len(outcome.climbed)}, resolved {len(outcome.resolved)}"
    )


@scheduler_cli.command("run")
def scheduler_run_command():
    """The production scheduler process (blocking): sweep, notification delivery, daily digest."""
    from flask import current_app

    from mediation.warnings.scheduler import build_scheduler

    _log_to_console()
    scheduler = build_scheduler(current_app._get_current_object(), blocking=True)
    click.echo(
        "scheduler running (Ctrl+C to stop): " + ", ".join(j.id for j in scheduler.get_jobs())
    )
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        click.echo("scheduler stopped")


def _log_to_console() -> None:
    """Long-running commands report what the scheduler does (sweeps, deliveries)."""
    import logging

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("apscheduler.executors.default").setLevel(logging.WARNING)


def _fail(message: str, code: int = 2) -> None:
    click.echo(f"Error: {message}", err=True)
    raise SystemExit(code)


@workflow_cli.command("diagram")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["mermaid", "svg"]),
    default="mermaid",
    show_default=True,
)
@click.option("--output", type=click.Path(dir_okay=False, writable=True), default=None,
              help="write to this file instead of standard output")  # fmt: skip
def workflow_diagram_command(fmt, output):
    """The lifecycle diagram, drawn from the machine definition."""
    from mediation.cases import diagram

    text = diagram.mermaid() if fmt == "mermaid" else diagram.svg_document()
    if output is None:
        click.echo(text, nl=False)
        return
    with open(output, "w", encoding="utf-8") as handle:
        handle.write(text)
    click.echo(f"Wrote the {fmt} diagram to {output}.", err=True)


@users_cli.command("create")
@click.argument("username")
@click.option("--role", required=True, help="admin, officer, mediator or advocate")
@click.option("--org", "org_code", required=True, help="organization code, e.g. JC-DC")
@click.option("--password", default=None, help="prompted for (hidden) when not given")
@click.option("--email", default=None)
@click.option("--display-name", default=None)
def create_user_command(username, role, org_code, password, email, display_name):
    """Create a user."""
    from mediation.accounts.services import create_user

    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = create_user(
            username,
            role=role,
            org_code=org_code,
            password=password,
            email=email,
            display_name=display_name,
        )
    except ValidationFailed as exc:
        _fail("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.fields.items()))
    click.echo(f"Created {user.role.value} {user.username} in {org_code}.")


@demo_cli.command("load")
@click.option("--password", default=None, help="password for every demo user")
def demo_load_command(password):
    """Load the demonstration data (idempotent) and print the logins."""
    from mediation.demo import DEMO_PASSWORD, load_demo

    created, logins = load_demo(password=password)
    click.echo("Demo data loaded." if created else "Demo data already present; nothing added.")
    click.echo("Demo logins (username / password / role / organization):")
    shown = password or (DEMO_PASSWORD if created else "(unchanged)")
    for username, role, org in logins:
        click.echo(f"  {username:<16} {shown:<12} {role:<9} {org}")


@audit_cli.command("verify")
def audit_verify_command():
    """Walk every case's event chain; exit 1 naming each break."""
    from mediation.cases.audit import verify_chains

    cases, events, breaks = verify_chains()
    for problem in breaks:
        click.echo(f"BROKEN: {problem}", err=True)
    if breaks:
        click.echo(f"Audit chain broken in {len({b.case_id for b in breaks})} case(s).", err=True)
        raise SystemExit(1)
    click.echo(f"Audit chains intact: {cases} cases, {events} events.")


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def serve_command(host, port):
    """Serve the web app (threaded) and, with SCHEDULER_EMBEDDED on, start the scheduler now."""
    from flask import current_app
    from werkzeug.serving import run_simple

    from mediation.warnings.scheduler import start_embedded

    _log_to_console()
    app = current_app._get_current_object()
    if app.config.get("SCHEDULER_EMBEDDED"):
        start_embedded(app)
        click.echo("early-warning scheduler running inside the web process")
    click.echo(f"serving on http://{host}:{port}/ (Ctrl+C to stop)")
    run_simple(host, port, app, threaded=True, use_reloader=False)


def init_cli(app: Flask) -> None:
    app.cli.add_command(serve_command)
    for group in (users_cli, demo_cli, audit_cli, warnings_cli, scheduler_cli, workflow_cli):
        app.cli.add_command(group)
