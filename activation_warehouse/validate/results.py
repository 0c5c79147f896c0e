"""Results: one expectation's outcome over a whole table, summed over its batches.

A row-wise expectation is validated batch by batch; ``_Tally`` adds the batches up so that
element and unexpected counts are the whole table's, and ``mostly`` is judged on the
whole table's totals, exactly as GX judges one frame (without ``mostly``: any unexpected
value in any batch fails). The worst values are kept: the observed min and max of a range
check, examples of unexpected values.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from activation_warehouse.validate.suites import Check, Suite

#: Unexpected values quoted per expectation in the summary and the docs.
EXAMPLES_SHOWN = 5



@dataclass
class Outcome:
    """The result of one expectation over a whole table."""

    suite: str
    table: str
    column: str
    expectation: str
    arguments: str
    success: bool
    observed: str
    note: str = ""

    def summary_line(self) -> str:
        column = self.column or "(table)"
        return f"FAILED {self.suite} | {self.table} | {column} | {self.expectation} | {self.observed}"


@dataclass
class SuiteResult:
    suite: Suite
    outcomes: list[Outcome]
    rows: int | None  # None when the table is missing
    batches: int
    seconds: float

    @property
    def success(self) -> bool:
        return all(outcome.success for outcome in self.outcomes)

    @property
    def failed(self) -> int:
        return sum(not outcome.success for outcome in self.outcomes)


@dataclass
class ValidationReport:
    warehouse: Path
    suites: list[SuiteResult]
    seconds: float
    docs_path: Path | None = None

    @property
    def success(self) -> bool:
        return all(result.success for result in self.suites)

    @property
    def outcomes(self) -> list[Outcome]:
        return [outcome for result in self.suites for outcome in result.outcomes]

    @property
    def failures(self) -> list[Outcome]:
        return [outcome for outcome in self.outcomes if not outcome.success]

    def summary(self) -> str:
        """What the command prints: one line per suite, then one per failed expectation."""
        total, failed = len(self.outcomes), len(self.failures)
        lines = [f"Great Expectations on {self.warehouse}: {len(self.suites)} suites, {total} expectations, "
                 f"{failed} failed ({self.seconds:.1f} s)"]
        for result in self.suites:
            rows = "table missing" if result.rows is None else f"{result.rows:,} row{'' if result.rows == 1 else 's'}"
            batches = f", {result.batches} batches" if result.batches > 1 else ""
            status = "ok    " if result.success else "FAILED"
            passed = len(result.outcomes) - result.failed
            lines.append(f"  {status} {result.suite.name:<34} {result.suite.relation:<34} "
                         f"{passed}/{len(result.outcomes)} passed ({rows}{batches}, {result.seconds:.1f} s)")
        if self.failures:
            lines.append("Failed expectations (suite | table | column | expectation | observed):")
            lines += [outcome.summary_line() for outcome in self.failures]
        if self.docs_path is not None:
            lines.append(f"Data Docs: {self.docs_path}")
        return "\n".join(lines)


# --------------------------------------------------------------------------- aggregation


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return "NaN" if math.isnan(value) else f"{value:.6g}"
    if isinstance(value, pd.Timestamp):
        return value.isoformat(sep=" ")
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "(" + ", ".join(_fmt(v) for v in value) + ")"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {_fmt(v)}" for k, v in value.items()) + "}"
    return str(value)


def _is_missing(value: Any) -> bool:
    try:
        return value is None or bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


class _Tally:
    """One expectation's results summed over the batches it was validated on."""

    def __init__(self, check: Check) -> None:
        self.check = check
        self.batches = 0
        self.all_succeeded = True
        self.is_map = False
        self.element_count = 0
        self.unexpected_count = 0
        self.missing_count = 0
        self.examples: list[Any] = []
        self.observed: list[Any] = []
        self.details: Any = None
        self.errors: list[str] = []
        self.low: Any = None
        self.high: Any = None
        self.in_duckdb = False

    def add(self, success: bool, result: Mapping[str, Any], error: str | None = None) -> None:
        self.batches += 1
        self.all_succeeded &= bool(success)
        if error:
            self.errors.append(error)
            return
        if "unexpected_count" in result and "element_count" in result:
            self.is_map = True
            self.element_count += int(result["element_count"] or 0)
            self.unexpected_count += int(result["unexpected_count"] or 0)
            self.missing_count += int(result.get("missing_count") or 0)
            for value in result.get("partial_unexpected_list") or ():
                if len(self.examples) >= EXAMPLES_SHOWN:
                    break
                if not _is_missing(value) and value not in self.examples:
                    self.examples.append(value)
        if "observed_value" in result:
            self.observed.append(result["observed_value"])
        if result.get("details") and not success:
            self.details = result["details"]

    def add_range(self, series: pd.Series) -> None:
        """Keep the smallest and largest value seen (the worst values of a range check)."""
        if series.notna().any():
            low, high = series.min(), series.max()
            self.low = low if self.low is None or low < self.low else self.low
            self.high = high if self.high is None or high > self.high else self.high

    @property
    def success(self) -> bool:
        if self.errors or self.batches == 0:
            return False
        mostly = self.check.kwargs.get("mostly")
        if not self.is_map or mostly is None:
            return self.all_succeeded
        considered = self.element_count - self.missing_count
        if considered == 0 or self.unexpected_count == 0:
            return True
        return (considered - self.unexpected_count) / considered >= mostly

    def describe(self) -> str:
        if self.errors:
            return "error: " + self.errors[0]
        if self.batches == 0:
            return "not validated"
        parts: list[str] = []
        if self.is_map:
            considered = self.element_count - self.missing_count
            share = 100 * self.unexpected_count / considered if considered else 0.0
            what = "non-null values" if "ColumnValues" in self.check.expectation \
                and self.check.expectation != "ExpectColumnValuesToNotBeNull" else "rows"
            parts.append(f"{self.unexpected_count:,} of {considered:,} {what} unexpected ({share:.3g}%)")
            if self.check.kwargs.get("mostly") is not None:
                parts.append(f"mostly={self.check.kwargs['mostly']} allows "
                             f"{100 * (1 - self.check.kwargs['mostly']):.3g}%")
        elif self.observed:
            observed = self.observed[0] if len(self.observed) == 1 else self.observed
            if self.check.expectation == "ExpectTableColumnsToMatchSet":
                missing = ((self.details or {}).get("mismatched") or {}).get("missing")
                parts.append(f"missing columns: {', '.join(missing)}" if missing
                             else f"all {len(self.check.kwargs['column_set'])} columns present")
            elif self.check.expectation.startswith("ExpectTableRowCount"):
                parts.append(f"observed {observed:,} row{'' if observed == 1 else 's'}")
            else:
                parts.append(f"observed {_fmt(observed)}")
        if self.low is not None:
            parts.append(f"observed min {_fmt(self.low)}, max {_fmt(self.high)}")
        if self.examples:
            parts.append("e.g. " + ", ".join(_fmt(v) for v in self.examples))
        if self.in_duckdb:
            parts.append("checked in DuckDB: too many rows for one frame")
        return "; ".join(parts)

    def outcome(self, suite: Suite) -> Outcome:
        return Outcome(suite.name, suite.relation, self.check.column_label, self.check.snake_name,
                       self.check.arguments, self.success, self.describe(), self.check.note)


