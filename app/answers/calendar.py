"""Working days in Peru: the answer deadline skips weekends and public holidays.

National holidays come from the ``holidays`` library (it follows the laws that add or move
them, e.g. Junín and Ayacucho since 2022); each instance adds its own non-working days
(regional holidays, the "días no laborables" the government decrees each year).

Deadlines are counted like a term under Ley 27444: the day the clock starts is not counted,
the term ends on the last working day. Dates are Lima dates (UTC−5, no daylight saving).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta, timezone

LIMA = timezone(timedelta(hours=-5), "America/Lima")
# A term of N working days never spans more calendar days than this margin allows for.
_YEARS_AHEAD = 2


def lima_date(moment: datetime) -> date:
    """The date in Lima of a stored moment (naive datetimes, as SQLite returns them, are UTC)."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(LIMA).date()


def lima_today() -> date:
    return lima_date(datetime.now(UTC))


def peruvian_holidays(years: Iterable[int]) -> set[date]:
    # Imported on first use: the package's tables cost every worker 9 MB (the memory budget
    # of an idle worker is 120 MB, bench/README.md), and most requests count no deadline.
    from holidays import country_holidays

    return set(country_holidays("PE", years=sorted(set(years))).keys())


def non_working_days(
    start: date, extra: Iterable[date] = (), *, years: int = _YEARS_AHEAD
) -> set[date]:
    """National holidays from ``start``'s year to ``years`` later, plus the instance's own."""
    return peruvian_holidays(range(start.year, start.year + years + 1)) | set(extra)


def is_working_day(day: date, holidays: set[date]) -> bool:
    return day.weekday() < 5 and day not in holidays


def add_working_days(start: date, days: int, holidays: set[date]) -> date:
    """The date ``days`` working days after ``start`` (``start`` itself is not counted)."""
    if days < 0:
        raise ValueError("days must not be negative")
    current = start
    remaining = days
    while remaining:
        current += timedelta(days=1)
        if is_working_day(current, holidays):
            remaining -= 1
    return current


def working_days_between(start: date, end: date, holidays: set[date]) -> int:
    """Working days after ``start`` up to and including ``end`` (negative when ``end`` is
    earlier), so ``working_days_between(s, add_working_days(s, n, h), h) == n``."""
    if end < start:
        return -working_days_between(end, start, holidays)
    return sum(
        1
        for offset in range(1, (end - start).days + 1)
        if is_working_day(start + timedelta(days=offset), holidays)
    )


def days_overdue(due_on: date | None, today: date) -> int:
    """Calendar days past the due date (0 when not yet due): what a citizen counts."""
    if due_on is None:
        return 0
    return max(0, (today - due_on).days)
