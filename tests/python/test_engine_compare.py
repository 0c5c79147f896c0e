"""compare_rows, the judge of every engine test and of every "same marts" test: rows as a
multiset, numbers to a tolerance, and no difference hidden by its exact-match first pass."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

from activation_warehouse.dev.engine_compare import compare_rows

COLUMNS = ["user_id", "minutes", "seen_at"]
ROWS = [
    ("u1", 1.5, datetime(2026, 1, 1, 12)),
    ("u2", 2.25, datetime(2026, 1, 2, 12)),
    ("u2", 2.25, datetime(2026, 1, 2, 12)),
    ("u3", None, None),
]


def test_the_same_rows_in_another_order_and_drivers_representation_are_equal() -> None:
    other_driver = [
        ("u3", None, None),
        ("u2", Decimal("2.25"), datetime(2026, 1, 2, 13, tzinfo=timezone(timedelta(hours=1)))),
        ("u1", 1.5, datetime(2026, 1, 1, 12, tzinfo=timezone.utc)),
        ("u2", 2.25, datetime(2026, 1, 2, 12)),
    ]
    assert compare_rows(COLUMNS, ROWS, other_driver) == []


def test_numbers_within_the_tolerance_are_equal_and_beyond_it_differ() -> None:
    close = [("u1", 1.5 + 1e-12, ROWS[0][2]), *ROWS[1:]]
    assert compare_rows(COLUMNS, ROWS, close) == []
    far = [("u1", 1.5 + 1e-6, ROWS[0][2]), *ROWS[1:]]
    assert compare_rows(COLUMNS, ROWS, far) == ["row 0: minutes is 1.500001, DuckDB has 1.5"]


def test_a_duplicate_counts_a_row_twice() -> None:
    # Same length, same distinct rows, different multiplicities: u2 once, u1 twice.
    shifted = [ROWS[0], ROWS[0], ROWS[1], ROWS[3]]
    problems = compare_rows(COLUMNS, ROWS, shifted)
    assert problems == [
        "row 0: user_id is 'u1', DuckDB has 'u2'",
        "row 0: minutes is 1.5, DuckDB has 2.25",
        f"row 0: seen_at is {ROWS[0][2]!r}, DuckDB has {ROWS[1][2]!r}",
    ]


def test_a_missing_row_and_a_null_are_differences() -> None:
    assert compare_rows(COLUMNS, ROWS, ROWS[:3]) == ["4 rows on DuckDB, 3 here"]
    nulled = [("u1", None, ROWS[0][2]), *ROWS[1:]]
    assert compare_rows(COLUMNS, ROWS, nulled) == ["row 0: minutes is None, DuckDB has 1.5"]


def test_build_time_columns_are_left_out() -> None:
    columns = ["check_name", "first_seen_at"]
    assert compare_rows(columns, [("volume", datetime(2026, 1, 1))], [("volume", datetime(2026, 2, 1))]) == []
