"""Calendar periods as target declarations and the scorecard write them: UTC calendar grains
(ISO weeks starting on Monday), a period's start, end and neighbours, and its label
(2026, 2026-Q3, 2026-11, 2026-W47, 2026-11-15). The SQL side is macros/periods.sql."""

from __future__ import annotations

import datetime as dt
import re

GRAINS = ("day", "week", "month", "quarter", "year")

_YEAR = re.compile(r"^(\d{4})$")
_QUARTER = re.compile(r"^(\d{4})-?Q([1-4])$", re.IGNORECASE)
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_WEEK = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.IGNORECASE)
_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def period_start(grain: str, day: dt.date) -> dt.date:
    """First day of the period of `grain` that contains `day`."""
    if grain == "day":
        return day
    if grain == "week":
        return day - dt.timedelta(days=day.weekday())
    if grain == "month":
        return day.replace(day=1)
    if grain == "quarter":
        return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    if grain == "year":
        return dt.date(day.year, 1, 1)
    raise ValueError(f"unknown grain {grain!r}")


def shift(grain: str, start: dt.date, n: int) -> dt.date:
    """The first day of the period `n` periods after (n < 0: before) the one starting at `start`."""
    if grain == "day":
        return start + dt.timedelta(days=n)
    if grain == "week":
        return start + dt.timedelta(weeks=n)
    months = {"month": 1, "quarter": 3, "year": 12}[grain] * n
    index = start.year * 12 + start.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def period_end(grain: str, start: dt.date) -> dt.date:
    """Nominal last day (inclusive) of the period starting at `start`."""
    return shift(grain, start, 1) - dt.timedelta(days=1)


def periods_between(grain: str, earlier: dt.date, later: dt.date) -> int:
    """How many periods of `grain` lie from the one starting at `earlier` to the one at `later`."""
    if grain == "day":
        return (later - earlier).days
    if grain == "week":
        return (later - earlier).days // 7
    months = (later.year - earlier.year) * 12 + later.month - earlier.month
    return months // {"month": 1, "quarter": 3, "year": 12}[grain]


def parse_period(text: object) -> tuple[str, dt.date]:
    """'2026' -> year, '2026-Q3' -> quarter, '2026-11' -> month, '2026-W47' -> week,
    '2026-11-15' (or a YAML date) -> day. Raises ValueError for anything else."""
    if isinstance(text, dt.datetime):
        return "day", text.date()
    if isinstance(text, dt.date):
        return "day", text
    s = str(text).strip()
    if m := _YEAR.match(s):
        return "year", dt.date(int(m[1]), 1, 1)
    if m := _QUARTER.match(s):
        return "quarter", dt.date(int(m[1]), 3 * (int(m[2]) - 1) + 1, 1)
    if m := _MONTH.match(s):
        month = int(m[2])
        if 1 <= month <= 12:
            return "month", dt.date(int(m[1]), month, 1)
    if m := _WEEK.match(s):
        return "week", dt.date.fromisocalendar(int(m[1]), int(m[2]), 1)
    if _DAY.match(s):
        return "day", dt.date.fromisoformat(s)
    raise ValueError(f"{s!r} is not a period")


def parse_date(text: object) -> dt.date:
    if isinstance(text, dt.datetime):
        return text.date()
    if isinstance(text, dt.date):
        return text
    return dt.date.fromisoformat(str(text).strip())


def label(grain: str, start: dt.date) -> str:
    """How people write the period: 2026, 2026-Q3, 2026-11, 2026-W47, 2026-11-15."""
    if grain == "year":
        return f"{start.year}"
    if grain == "quarter":
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    if grain == "month":
        return f"{start.year}-{start.month:02d}"
    if grain == "week":
        iso = start.isocalendar()
        return f"{iso.year}-W{iso.week:02d}"
    return start.isoformat()
