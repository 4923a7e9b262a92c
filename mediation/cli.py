"""`flask --app wsgi …` command groups."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from mediation.core.errors import ValidationFailed

users_cli = AppGroup("users", help="Manage user accounts.")
demo_cli = AppGroup("demo", help="Demonstration data.")
audit_cli = AppGroup("audit", help="Check the audit trail.")


def _fail(message: str, code: int = 2) -> None:
    click.echo(f"Error: {message}", err=True)
    raise SystemExit(code)


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
    for username, role, org in logins:
        click.echo(f"  {username:<16} {password or DEMO_PASSWORD:<12} {role:<9} {org}")


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


def init_cli(app: Flask) -> None:
    for group in (users_cli, demo_cli, audit_cli):
        app.cli.add_command(group)
