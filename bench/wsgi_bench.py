"""What bench/web.py serves with gunicorn: the real app, and under `/bare/` a bare Flask app
with one JSON endpoint, the baseline measured in the same run by the same workers.

    gunicorn -w 2 -b 127.0.0.1:8765 bench.wsgi_bench:app
"""

from __future__ import annotations

from flask import Flask, jsonify
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from wsgi import app as mediation_app

bare = Flask("bare")


@bare.get("/")
def bare_json():
    return jsonify({"items": [], "page": 1, "per_page": 50, "total": 0})


app = DispatcherMiddleware(mediation_app, {"/bare": bare})
