"""WSGI entry point: `flask --app wsgi …`, `gunicorn wsgi:app`."""

from mediation import create_app

app = create_app()
