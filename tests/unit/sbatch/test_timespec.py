"""--begin and --deadline: Slurm's parse_time forms, in the agent's local time zone."""

from __future__ import annotations

from datetime import datetime

import pytest

from jobbergate_agent.slurm.sbatch.errors import ValueProblem
from jobbergate_agent.slurm.sbatch.timespec import moment

NOW = datetime(2026, 12, 4, 14, 30, 0)  # a Friday, local time


def at(*parts: int) -> int:
    return int(datetime(*parts).timestamp())


@pytest.mark.parametrize(
    "text, expected",
    [
        ("now", at(2026, 12, 4, 14, 30)),
        ("now+60", at(2026, 12, 4, 14, 31)),
        ("now+1hour", at(2026, 12, 4, 15, 30)),
        ("now + 2 hours", at(2026, 12, 4, 16, 30)),
        ("now+10minutes", at(2026, 12, 4, 14, 40)),
        ("now+1day", at(2026, 12, 5, 14, 30)),
        ("now+1week", at(2026, 12, 11, 14, 30)),
        ("16:00", at(2026, 12, 4, 16, 0)),
        ("16:00:30", at(2026, 12, 4, 16, 0, 30)),
        ("10:00", at(2026, 12, 5, 10, 0)),  # passed today: tomorrow
        ("4:00pm", at(2026, 12, 4, 16, 0)),
        ("12:00am", at(2026, 12, 5, 0, 0)),
        ("midnight", at(2026, 12, 5, 0, 0)),
        ("noon", at(2026, 12, 5, 12, 0)),
        ("teatime", at(2026, 12, 4, 16, 0)),
        ("fika", at(2026, 12, 4, 15, 0)),
        ("elevenses", at(2026, 12, 5, 11, 0)),
        ("today", at(2026, 12, 4, 0, 0)),
        ("tomorrow", at(2026, 12, 5, 0, 0)),
        ("2027-01-20", at(2027, 1, 20)),
        ("2027-01-20T12:34", at(2027, 1, 20, 12, 34)),
        ("2027-01-20T12:34:56", at(2027, 1, 20, 12, 34, 56)),
        ("12/25", at(2026, 12, 25)),
        ("01/02", at(2027, 1, 2)),  # passed this year: next year
        ("12/25/27", at(2027, 12, 25)),
        ("122527", at(2027, 12, 25)),
        ("TOMORROW", at(2026, 12, 5, 0, 0)),
    ],
)
def test_forms(text, expected):
    assert moment(text, now=NOW) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "later",
        "now+1fortnight",
        "25:00",
        "2027-02-30",
        "13:00pm",
        "2027-01-20T25:00",
        "now-1hour",
    ],
)
def test_rejects(text):
    with pytest.raises(ValueProblem):
        moment(text, now=NOW)


def test_reads_times_in_the_local_zone(monkeypatch):
    import time

    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    try:
        utc = moment("2027-01-20T12:00", now=NOW)
        monkeypatch.setenv("TZ", "Europe/Paris")
        time.tzset()
        paris = moment("2027-01-20T12:00", now=NOW)
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
    assert utc - paris == 3600
