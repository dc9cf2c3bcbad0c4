"""Slurm's `parse_time` for --begin and --deadline: a moment, as epoch seconds.

Times without a zone are read in the AGENT's local time zone, which may differ from the
cluster's (sbatch reads them in the submit host's zone). docs/environment.md says so; run the
agent in the cluster's zone, or write absolute times with care.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from jobbergate_agent.slurm.sbatch.errors import ValueProblem

MOMENT_HINT = (
    "use YYYY-MM-DD[THH:MM[:SS]], HH:MM[:SS] [AM|PM], MM/DD[/YY], MMDDYY, "
    "now+COUNT[seconds|minutes|hours|days|weeks], today, tomorrow, midnight, "
    "noon, elevenses, fika or teatime"
)

_UNITS = {
    "": 1,
    "s": 1,
    "sec": 1,
    "secs": 1,
    "second": 1,
    "seconds": 1,
    "m": 60,
    "min": 60,
    "mins": 60,
    "minute": 60,
    "minutes": 60,
    "h": 3600,
    "hour": 3600,
    "hours": 3600,
    "d": 86400,
    "day": 86400,
    "days": 86400,
    "w": 604800,
    "week": 604800,
    "weeks": 604800,
}
_NAMED_TIMES = {
    "midnight": (0, 0),
    "noon": (12, 0),
    "elevenses": (11, 0),
    "fika": (15, 0),
    "teatime": (16, 0),
}


def moment(text: str, *, now: datetime | None = None) -> int:
    """Epoch seconds of the moment `text` names, relative to `now` (local, naive)."""
    current = (now or datetime.now()).replace(microsecond=0)
    value = text.strip().lower()
    if not value:
        raise ValueProblem(MOMENT_HINT)

    relative = re.fullmatch(r"now\s*(?:\+\s*(\d+)\s*([a-z]*))?", value)
    if relative:
        amount, unit = relative.group(1), relative.group(2) or ""
        if amount is None:
            return _epoch(current)
        if unit not in _UNITS:
            raise ValueProblem(MOMENT_HINT)
        return _epoch(current + timedelta(seconds=int(amount) * _UNITS[unit]))

    if value in ("today", "tomorrow"):
        day = current.date() + timedelta(days=1 if value == "tomorrow" else 0)
        return _epoch(datetime.combine(day, datetime.min.time()))

    if value in _NAMED_TIMES:
        return _epoch(_next_time_of_day(current, *_NAMED_TIMES[value], 0))

    clock = re.fullmatch(r"(\d{1,2}):(\d{2})(?::(\d{2}))?\s*(am|pm)?", value)
    if clock:
        hour, minute, second = int(clock.group(1)), int(clock.group(2)), int(clock.group(3) or 0)
        hour = _twelve_hour(hour, clock.group(4))
        _check_clock(hour, minute, second)
        return _epoch(_next_time_of_day(current, hour, minute, second))

    iso = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})(?:t(\d{1,2}):(\d{2})(?::(\d{2}))?)?", value)
    if iso:
        parts = [int(p) if p else 0 for p in iso.groups()]
        _check_clock(parts[3], parts[4], parts[5])
        return _epoch(_datetime(*parts))

    slashed = re.fullmatch(r"(\d{1,2})[/.](\d{1,2})(?:[/.](\d{2}|\d{4}))?", value)
    packed = re.fullmatch(r"(\d{2})(\d{2})(\d{2})", value)
    found = slashed or packed
    if found:
        month, day_of_month, year = found.group(1), found.group(2), found.group(3)
        if year is None:
            # No year: this year, unless that day has passed (then next year), like Slurm.
            candidate = _datetime(current.year, int(month), int(day_of_month))
            if candidate < current.replace(hour=0, minute=0, second=0):
                candidate = _datetime(current.year + 1, int(month), int(day_of_month))
            return _epoch(candidate)
        full_year = int(year) + 2000 if len(year) == 2 else int(year)
        return _epoch(_datetime(full_year, int(month), int(day_of_month)))

    raise ValueProblem(MOMENT_HINT)


def _twelve_hour(hour: int, suffix: str | None) -> int:
    if suffix is None:
        return hour
    if not 1 <= hour <= 12:
        raise ValueProblem("with AM or PM the hour is 1 to 12")
    return (hour % 12) + (12 if suffix == "pm" else 0)


def _check_clock(hour: int, minute: int, second: int) -> None:
    if hour > 23 or minute > 59 or second > 59:
        raise ValueProblem("the time of day is HH:MM[:SS] with HH 0-23 and MM, SS 0-59")


def _next_time_of_day(current: datetime, hour: int, minute: int, second: int) -> datetime:
    """Today at that time, or tomorrow if it has already passed."""
    candidate = current.replace(hour=hour, minute=minute, second=second)
    if candidate <= current:
        candidate += timedelta(days=1)
    return candidate


def _datetime(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    try:
        return datetime.combine(date(year, month, day), datetime.min.time()).replace(
            hour=hour, minute=minute, second=second
        )
    except ValueError:
        raise ValueProblem(f"there is no such date; {MOMENT_HINT}") from None


def _epoch(moment_: datetime) -> int:
    # A naive datetime is local time: the agent's zone.
    return int(moment_.timestamp())
