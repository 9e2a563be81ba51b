"""The working-day calendar: weekends, Peruvian holidays, the instance's own days."""

from __future__ import annotations

from datetime import UTC, date, datetime

from app.answers.calendar import (
    add_working_days,
    days_overdue,
    lima_date,
    non_working_days,
    peruvian_holidays,
    working_days_between,
)

NONE: set[date] = set()


def test_weekends_are_skipped() -> None:
    friday = date(2026, 3, 6)
    assert add_working_days(friday, 1, NONE) == date(2026, 3, 9)  # Monday
    assert add_working_days(friday, 5, NONE) == date(2026, 3, 13)
    saturday = date(2026, 3, 7)
    assert add_working_days(saturday, 1, NONE) == date(2026, 3, 9)
    assert add_working_days(friday, 0, NONE) == friday


def test_national_holidays_come_from_the_library() -> None:
    holidays = peruvian_holidays([2026])
    for day in (
        date(2026, 1, 1),
        date(2026, 4, 2),  # Holy Thursday
        date(2026, 4, 3),  # Good Friday
        date(2026, 7, 28),
        date(2026, 7, 29),
        date(2026, 8, 30),
        date(2026, 12, 8),
        date(2026, 12, 9),
        date(2026, 12, 25),
    ):
        assert day in holidays, day
    assert date(2026, 7, 27) not in holidays


def test_fiestas_patrias_are_not_working_days() -> None:
    holidays = non_working_days(date(2026, 7, 27))
    # Monday 27 July + 1 → Tuesday 28 and Wednesday 29 are holidays → Thursday 30.
    assert add_working_days(date(2026, 7, 27), 1, holidays) == date(2026, 7, 30)


def test_holy_week_moves_with_easter() -> None:
    holidays = non_working_days(date(2027, 3, 24))
    # Wednesday 24 March 2027: Holy Thursday 25 and Good Friday 26, weekend → Monday 29.
    assert add_working_days(date(2027, 3, 24), 1, holidays) == date(2027, 3, 29)


def test_immaculate_conception_and_ayacucho() -> None:
    holidays = non_working_days(date(2026, 12, 7))
    # Monday 7 Dec 2026: 8 and 9 are holidays.
    assert add_working_days(date(2026, 12, 7), 1, holidays) == date(2026, 12, 10)


def test_extra_regional_holidays_are_skipped() -> None:
    libertad = date(2026, 12, 29)  # e.g. a regional "Día de la Libertad"
    plain = non_working_days(date(2026, 12, 28))
    extra = non_working_days(date(2026, 12, 28), [libertad])
    assert add_working_days(date(2026, 12, 28), 1, plain) == libertad
    assert add_working_days(date(2026, 12, 28), 1, extra) == date(2026, 12, 30)


def test_crossing_the_year_end() -> None:
    holidays = non_working_days(date(2026, 12, 23))
    # Wed 23 Dec 2026: 24 (Thu), [25 Fri holiday], 28, 29, 30, 31, [1 Jan holiday], 4 Jan...
    assert add_working_days(date(2026, 12, 23), 6, holidays) == date(2027, 1, 4)


def test_thirty_working_days_and_back() -> None:
    start = date(2026, 7, 1)
    holidays = non_working_days(start)
    due = add_working_days(start, 30, holidays)
    # July 2026 gives 19 (23, 28, 29 are holidays), August 3–18 the other 11 (6 is one).
    assert due == date(2026, 8, 18)
    assert working_days_between(start, due, holidays) == 30
    assert working_days_between(due, start, holidays) == -30


def test_days_overdue_are_calendar_days() -> None:
    assert days_overdue(date(2026, 8, 13), date(2026, 8, 20)) == 7
    assert days_overdue(date(2026, 8, 13), date(2026, 8, 13)) == 0
    assert days_overdue(date(2026, 8, 13), date(2026, 8, 1)) == 0
    assert days_overdue(None, date(2026, 8, 1)) == 0


def test_lima_date_is_utc_minus_five() -> None:
    assert lima_date(datetime(2026, 7, 1, 3, 0, tzinfo=UTC)) == date(2026, 6, 30)
    assert lima_date(datetime(2026, 7, 1, 5, 0, tzinfo=UTC)) == date(2026, 7, 1)
    assert lima_date(datetime(2026, 7, 1, 3, 0)) == date(2026, 6, 30)  # naive = UTC
