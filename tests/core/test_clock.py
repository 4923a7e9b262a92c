"""The local zone is the TIMEZONE setting wherever a date is derived or shown, China time by
default and outside an application."""

from __future__ import annotations

from datetime import UTC, datetime

from mediation import create_app
from mediation.core.clock import local_date, local_offset_hours, local_zone, to_local
from mediation.warnings.scheduler import build_scheduler

# 15:30 UTC on New Year's Eve: 23:30 in China, already New Year's Day in Tokyo
MOMENT = datetime(2025, 12, 31, 15, 30, tzinfo=UTC)


def test_outside_an_application_the_local_zone_is_china_time():
    assert local_zone().key == "Asia/Shanghai"
    assert local_date(MOMENT).isoformat() == "2025-12-31"


def test_the_timezone_setting_moves_dates_times_and_the_scheduler(tmp_path):
    app = create_app(
        "testing", TIMEZONE="Asia/Tokyo", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'tz.db'}"
    )
    with app.app_context():
        assert local_zone().key == "Asia/Tokyo"
        assert local_date(MOMENT).isoformat() == "2026-01-01"
        assert to_local(MOMENT).hour == 0
        assert local_offset_hours(MOMENT) == 9
        scheduler = build_scheduler(app, blocking=False)
        assert str(scheduler.timezone) == "Asia/Tokyo"
