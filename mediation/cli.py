"""`flask --app wsgi …` command groups."""

from __future__ import annotations

from datetime import timedelta

import click
from flask import Flask
from flask.cli import AppGroup

from mediation.core.errors import PermissionDenied, ValidationFailed

users_cli = AppGroup("users", help="Manage user accounts.")
demo_cli = AppGroup("demo", help="Demonstration data.")
audit_cli = AppGroup("audit", help="Check the audit trail.")
warnings_cli = AppGroup("warnings", help="The early-warning engine.")
scheduler_cli = AppGroup("scheduler", help="The scheduler process.")
workflow_cli = AppGroup("workflow", help="The case lifecycle.")
cases_cli = AppGroup("cases", help="Bulk import and export of cases.")
calendar_cli = AppGroup("calendar", help="The official working-day schedules.")


def _parse_now(_ctx, _param, value: str | None):
    """ISO 8601; without an offset the time is China time."""
    if value is None:
        return None
    from datetime import datetime

    from mediation.core.clock import ensure_utc, local_zone

    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not an ISO 8601 time, e.g. 2026-11-23T09:00+08:00"
        ) from None
    if not 1990 <= moment.year <= 2100:
        raise click.BadParameter(f"{value!r} is not a plausible time (years 1990–2100)")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=local_zone())
    return ensure_utc(moment)


# a --now this far ahead of the clock counts as "in the future" for the sweep's dry run
FUTURE_TOLERANCE = timedelta(minutes=5)


def _alert_subject(alert) -> str:
    """What the alert is about: the case's number, or the incident, project or notice."""
    if alert.case_id is not None:
        return alert.case.number
    if alert.notice_id is not None:
        return f"supervision notice {alert.notice_id}"
    if alert.incident_id is not None:
        return f"incident {alert.incident_id}"
    if alert.project_id is not None:
        return f"project {alert.project_id}"
    return alert.case.number


@warnings_cli.command("sweep")
@click.option("--now", callback=_parse_now, help="pretend it is this time (ISO 8601)")
@click.option("--batch-size", default=500, show_default=True, type=click.IntRange(1, 100_000))
@click.option(
    "--dry-run/--no-dry-run",
    "dry_run",
    default=None,
    help="print what the sweep would do, write nothing and queue no notification "
    "(the default when --now is in the future)",
)
@click.option("--send", "dry_run", flag_value=False, help="the same as --no-dry-run")
def sweep_command(now, batch_size, dry_run):
    """Run one sweep and print what it did."""
    from mediation.core.clock import utcnow
    from mediation.extensions import db
    from mediation.warnings.rules import RULE_LABELS
    from mediation.warnings.sweep import sweep

    if dry_run is None:
        # a sweep "as of" a future moment would raise alerts and queue real mail for deadlines
        # that have not passed (docs/security.md "Input")
        dry_run = now is not None and now > utcnow() + FUTURE_TOLERANCE
    outcome = sweep(now, batch_size=batch_size, dry_run=dry_run)
    for label, alerts in (
        ("raised", outcome.raised),
        ("climbed", outcome.climbed),
        ("relevel", outcome.releveled),
    ):
        for alert in alerts:
            click.echo(
                f"{label:8} {_alert_subject(alert):<24} {alert.level.value:<7} "
                f"{RULE_LABELS.get(alert.rule, alert.rule)} -> {alert.target_org.name}"
            )
    click.echo(
        f"checked {outcome.checked} case(s): raised {len(outcome.raised)}, "
        f"climbed {len(outcome.climbed)}, resolved {len(outcome.resolved)}"
    )
    if dry_run:
        db.session.rollback()
        click.echo(
            "dry run: nothing was written and no notification queued "
            "(--no-dry-run or --send to do it for real)"
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
@click.option("--org", "org_code", required=True, help="organization code, e.g. CS-YS")
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
    width = max(len(username) for username, _role, _org in logins)
    for username, role, org in logins:
        click.echo(f"  {username:<{width}} {shown:<12} {role:<9} {org}")


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


def _acting_user(username: str | None):
    """The user a bulk command acts as: `--as USERNAME`, or the first active administrator."""
    from sqlalchemy import select

    from mediation.accounts.models import Role, User
    from mediation.extensions import db

    stmt = select(User).where(User.active.is_(True))
    if username is not None:
        user = db.session.scalar(stmt.where(User.username == username))
        if user is None:
            _fail(f"no active user {username!r}")
        return user
    user = db.session.scalar(stmt.where(User.role == Role.admin).order_by(User.id).limit(1))
    if user is None:
        _fail("no active administrator; name a user with --as USERNAME")
    return user


@cases_cli.command("export")
@click.option("--format", "fmt", type=click.Choice(["xlsx", "csv"]), required=True)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="write to this file instead of standard output",
)
@click.option("--state", default=None, help="reported, accepted, mediating, agreement, ...")
@click.option("--kind", default=None, help="dispute or arrears")
@click.option("--category", default=None, help="a category code, e.g. remuneration")
@click.option("--tier", default=None, help="the supervising tier: grassroots, town, city")
@click.option("--level", default=None, help="the warning level: blue, yellow, orange, red")
@click.option(
    "--org", "org_code", default=None, help="cases handled in this organization's subtree (code)"
)
@click.option("--enterprise", "credit_code", default=None, help="the enterprise's credit code")
@click.option("-q", "--query", default=None, help="text in the number, title or employer's name")
@click.option("--sort", default=None, help="e.g. -received_at, number, -claim_amount")
@click.option("--as", "username", default=None, help="act as this user (default: an administrator)")
def cases_export_command(fmt, output, state, kind, category, tier, level, org_code, credit_code,
                         query, sort, username):  # fmt: skip
    """Export the cases the filters select (the case list's filters), within the user's scope."""
    import sys

    from marshmallow import ValidationError

    from mediation.cases.export import case_tables
    from mediation.cases.queries import CaseFilterSchema
    from mediation.core.tables import write as write_tables
    from mediation.enterprises.services import find_by_credit_code
    from mediation.orgs.services import get_by_code

    user = _acting_user(username)
    raw = {"state": state, "kind": kind, "category": category, "tier": tier, "level": level,
           "q": query, "sort": sort}  # fmt: skip
    raw = {k: v for k, v in raw.items() if v is not None}
    if org_code is not None:
        org = get_by_code(org_code)
        if org is None:
            _fail(f"no organization with code {org_code!r}")
        raw["org"] = org.id
    if credit_code is not None:
        enterprise = find_by_credit_code(credit_code)
        if enterprise is None:
            _fail(f"no enterprise with credit code {credit_code!r}")
        raw["enterprise"] = enterprise.id
    try:
        filters = CaseFilterSchema().load(raw)
    except ValidationError as exc:
        _fail("; ".join(f"--{k}: {' '.join(v)}" for k, v in exc.messages.items()))
    tables = case_tables(user, filters)
    if output is None:
        stream = sys.stdout.buffer
        write_tables(fmt, tables, stream)
        stream.flush()
        return
    with open(output, "wb") as handle:
        write_tables(fmt, tables, handle)
    click.echo(f"Wrote {output}.", err=True)


@cases_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, readable=True))
@click.option("--skip-invalid", is_flag=True, help="import the good rows, skip the bad ones")
@click.option(
    "--as", "username", default=None, help="register as this user (default: an administrator)"
)
def cases_import_command(file, skip_invalid, username):
    """Import hotline logs from a UTF-8 CSV file (docs/import.md). Every row is validated first;
    with any bad row nothing is imported unless --skip-invalid. Exit 0 ok, 1 refused, 2 usage.
    The import runs here, at once, through the same staged job as the admin page's."""
    import os

    from mediation.cases import importer, imports

    user = _acting_user(username)
    with open(file, "rb") as handle:
        data = handle.read()
    checked = importer.check(user, data)
    if checked.fatal:
        click.echo(f"Refused: {checked.fatal}", err=True)
        raise SystemExit(1)
    for error in checked.errors:
        click.echo(f"{'Skipped' if skip_invalid else 'Bad'} {error}", err=True)
    if checked.errors and not skip_invalid:
        click.echo(
            f"Refused: {len(checked.errors)} bad row(s); nothing imported "
            "(fix them, or pass --skip-invalid to import the others).",
            err=True,
        )
        raise SystemExit(1)
    try:
        job = imports.submit(user, data, os.path.basename(file), skip_invalid=skip_invalid)
    except PermissionDenied as exc:
        click.echo(f"Refused: {exc.message}", err=True)
        raise SystemExit(1) from None
    # staging and publishing each go through every row once
    with click.progressbar(
        length=2 * len(checked.rows), label="Importing", file=sys_stderr()
    ) as bar:
        job = imports.run_job(job.id, checked=checked, progress=lambda _phase, n: bar.update(n))
    if job.status != imports.ImportStatus.done:
        click.echo(f"Stopped: {job.message}.", err=True)
        raise SystemExit(1)
    skipped = f", {len(checked.errors)} row(s) skipped" if checked.errors else ""
    click.echo(f"Imported {job.imported_rows} case(s){skipped} (import job {job.id}).")


@calendar_cli.command("import")
@click.argument("year")
@click.argument("holidays", type=click.File("r", encoding="utf-8"))
@click.argument("working_days", type=click.File("r", encoding="utf-8"), required=False)
def calendar_import_command(year, holidays, working_days):
    """Enter or replace YEAR's official schedule: HOLIDAYS has a line per holiday or range
    (`2027-10-01..2027-10-07 国庆节`), WORKING_DAYS a line per adjusted working day
    (`2027-09-26`), as on /admin/calendar. Exit 0 saved, 2 refused (nothing written)."""
    from mediation.core.calendar_schedules import save_schedule

    try:
        saved = save_schedule(
            year, holidays.read(), working_days.read() if working_days else "", entered_by="cli"
        )
    except ValidationFailed as exc:
        _fail("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.fields.items()))
    click.echo(f"Saved the official schedule of {saved}.")


@calendar_cli.command("status")
def calendar_status_command():
    """Where each year's working days come from: the table, the package or the fallback."""
    from mediation.core.calendar_schedules import year_statuses
    from mediation.core.clock import local_date, utcnow

    for status in year_statuses(local_date(utcnow())):
        click.echo(
            f"{status.year}  {status.source.value:<8}  {status.holidays:>3} holiday(s)  "
            f"{status.working_days:>2} adjusted working day(s)"
            + ("" if status.official else "  (provisional)")
        )


def sys_stderr():
    import sys

    return sys.stderr


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--verbose", is_flag=True, help="Log every request and every scheduled run.")
def serve_command(host, port, verbose):
    """Serve the web app (threaded) and, with SCHEDULER_EMBEDDED on, start the scheduler now.

    Quiet by default: the URL once, then only warnings and errors (`--verbose` or
    LOG_LEVEL=INFO shows every request and every scheduled run)."""
    import logging

    from flask import current_app
    from werkzeug.serving import make_server

    from mediation.warnings.scheduler import start_embedded

    level = logging.INFO if verbose else _log_level()
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("werkzeug").setLevel(level)
    logging.getLogger("apscheduler").setLevel(max(level, logging.WARNING))
    problem = _port_problem(host, port)
    if problem:  # before the scheduler starts, and without claiming to serve
        _fail(f"{problem}; stop the other server or choose another port: make run PORT={port + 1}")
    app = current_app._get_current_object()
    server = make_server(host, port, app, threaded=True)
    embedded = bool(app.config.get("SCHEDULER_EMBEDDED"))
    if embedded:
        start_embedded(app)
    with_scheduler = " with its early-warning scheduler" if embedded else ""
    click.echo(f"mediation is serving on http://{host}:{port}/{with_scheduler} (Ctrl+C stops it)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def _port_problem(host: str, port: int) -> str | None:
    """Why the web server could not listen on host:port, or None (bound as Werkzeug binds)."""
    import errno
    import socket

    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
    except OSError as exc:
        return f"the address {host} cannot be used ({exc.strerror or exc})"
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return f"port {port} on {host} is already in use"
            return f"port {port} on {host} cannot be opened ({exc.strerror or exc})"
    return None


def _log_level() -> int:
    """LOG_LEVEL from the environment (WARNING unless set)."""
    import logging
    import os

    level = logging.getLevelName(os.environ.get("LOG_LEVEL", "WARNING").upper())
    return level if isinstance(level, int) else logging.WARNING


def init_cli(app: Flask) -> None:
    app.cli.add_command(serve_command)
    for group in (
        users_cli, demo_cli, audit_cli, warnings_cli, scheduler_cli, workflow_cli, cases_cli,
        calendar_cli,
    ):  # fmt: skip
        app.cli.add_command(group)
