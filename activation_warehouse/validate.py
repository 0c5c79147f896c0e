"""Great Expectations suites for the raw tables and the key marts, run after a build.

``python -m activation_warehouse validate`` opens the DuckDB warehouse read-only, reads each
table into pandas frames (big tables in batches) and validates them with Great Expectations
(GX 1.x) through its pandas datasource, in an ephemeral context: no GX project, no state
left behind. The results go to one self-contained HTML page (Data Docs) and a short summary
on the terminal; any failed expectation makes the command exit 1.

Why pandas and not GX's SQL datasource: over duckdb-engine the SQL datasource silently fails
every metric expectation here (``../shared/spec/toolchain-facts.md``).

How a table is read and validated
---------------------------------
Each suite's expectations fall into three scopes:

* ``schema``: column presence, validated once on a zero-row frame with every column;
* ``rows``: row-wise expectations (not null, in set, between, column pairs), validated on
  batches of at most ``batch_rows`` rows of only the columns they need, streamed from one
  read-only query. Per expectation the batches are summed: element and unexpected counts
  add up, and ``mostly`` is judged on the whole table's totals, exactly as GX judges one
  frame (without ``mostly`` that is: any unexpected value in any batch fails). The worst
  values are kept: the observed min and max of a range check, examples of unexpected values;
* ``whole``: expectations that need every row at once (uniqueness, row count). The needed
  columns are read in full as one frame when the table has at most ``whole_max_rows`` rows;
  above that (a 10M-row ``fct_events``), the same check runs as one DuckDB aggregate query
  and is reported in GX's result shape (marked "checked in DuckDB").

Timestamps are compared with ``pd.Timestamp`` bounds (string bounds fail without an error),
and frames are given dtypes GX handles with vectorised code (nanosecond timestamps, float64
for nullable integers), which keeps a 10M-event warehouse within a few minutes.
"""

from __future__ import annotations

import html
import logging
import math
import os
import re
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from activation_warehouse.contract import RAW_TABLES, tracking_plan
from activation_warehouse.marts import latest_relation
from activation_warehouse.paths import PROJECT_DIR
from activation_warehouse.settings import default as setting_default

#: The raw schema unless the caller names one: the setting raw_schema's default (registry).
RAW_SCHEMA: str = setting_default("raw_schema")
#: Where the Data Docs page goes unless --docs-dir says otherwise.
DEFAULT_DOCS_DIR = PROJECT_DIR / "target" / "data_docs"
DOCS_FILE_NAME = "index.html"

#: Rows per batch for row-wise expectations (a frame of a few columns of this many rows
#: stays well under a few hundred MB).
DEFAULT_BATCH_ROWS = 500_000
#: Largest table whose key columns are read as one frame for uniqueness and row counts;
#: above it those checks run as one DuckDB query.
DEFAULT_WHOLE_MAX_ROWS = 2_000_000

#: GX result format: counts plus a few unexpected values; no index lists (costly on big frames).
RESULT_FORMAT: dict[str, Any] = {"result_format": "BASIC", "partial_unexpected_count": 20}
#: Unexpected values quoted per expectation in the summary and the docs.
EXAMPLES_SHOWN = 5

# Value sets of the raw contract (../shared/spec/raw-contract.md).
SIGNUP_CHANNELS = ("self_serve", "sales_assisted")
USER_ROLES = ("admin", "member", "viewer")
SOURCE_TYPES = ("crm", "erp", "spreadsheet", "database", "marketing", "support", "other")
CONNECTION_STATUSES = ("active", "error", "disconnected")
VERDICTS = ("invest", "defer", "investigate")

#: Sanity range of collector timestamps: catches epoch-0 and garbage years, not "late" data.
RECEIVED_AT_MIN = pd.Timestamp("2000-01-01")
RECEIVED_AT_MAX = pd.Timestamp("2100-01-01")

#: The project's event-name normalisation (macro normalize_event_name), in DuckDB SQL.
NORMALIZED_EVENT_NAME_SQL = r"""nullif(regexp_replace(lower(trim("event_name")), '[\s_-]+', '_', 'g'), '')"""

# Expectations (by GX class name) that are validated once on a zero-row frame, and those
# that need every row of their columns at once.
SCHEMA_EXPECTATIONS = frozenset({"ExpectTableColumnsToMatchSet"})
WHOLE_EXPECTATIONS = frozenset(
    {"ExpectColumnValuesToBeUnique", "ExpectCompoundColumnsToBeUnique",
     "ExpectTableRowCountToEqual", "ExpectTableRowCountToBeBetween"}
)  # fmt: skip


class ValidationSetupError(Exception):
    """The validation could not start (no warehouse file, the file is locked…): one line."""


# --------------------------------------------------------------------------- the suites


@dataclass(frozen=True)
class Check:
    """One expectation of a suite: a GX expectation class name and its arguments."""

    expectation: str  # e.g. "ExpectColumnValuesToBeInSet"
    kwargs: Mapping[str, Any]
    note: str = ""  # why it is there / why `mostly`, shown in the docs

    @property
    def scope(self) -> str:
        if self.expectation in SCHEMA_EXPECTATIONS:
            return "schema"
        return "whole" if self.expectation in WHOLE_EXPECTATIONS else "rows"

    @property
    def columns(self) -> tuple[str, ...]:
        """The table columns the expectation reads (none for table-level ones)."""
        if "column" in self.kwargs:
            return (self.kwargs["column"],)
        if "column_A" in self.kwargs:
            return (self.kwargs["column_A"], self.kwargs["column_B"])
        return tuple(self.kwargs.get("column_list", ()))

    @property
    def column_label(self) -> str:
        return ", ".join(self.columns)

    @property
    def snake_name(self) -> str:
        """GX's expectation type, e.g. ``expect_column_values_to_be_in_set``."""
        return re.sub(r"(?<!^)(?=[A-Z])", "_", self.expectation).lower()

    @property
    def arguments(self) -> str:
        """The arguments as a person reads them (the column is shown apart)."""
        parts = []
        for key, value in self.kwargs.items():
            if key in {"column", "column_A", "column_B", "column_list"}:
                continue
            if key == "column_set":
                value = f"{len(value)} columns"
            elif isinstance(value, (list, tuple, set, frozenset)):
                value = "{" + ", ".join(map(str, value)) + "}"
            elif isinstance(value, pd.Timestamp):
                value = value.isoformat()
            parts.append(f"{key}={value}")
        return ", ".join(parts)


@dataclass(frozen=True)
class Suite:
    """The expectations of one table."""

    name: str
    schema: str
    table: str
    checks: tuple[Check, ...]
    description: str = ""
    #: Columns computed in the read query: name -> (DuckDB SQL expression, source column).
    derived: Mapping[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def relation(self) -> str:
        return f"{self.schema}.{self.table}"


def _columns_present(columns: Sequence[str], what: str) -> Check:
    return Check("ExpectTableColumnsToMatchSet", {"column_set": list(columns), "exact_match": False},
                 f"every {what} column is present; extra columns are allowed")


def _primary_key(column: str) -> tuple[Check, Check]:
    return (Check("ExpectColumnValuesToNotBeNull", {"column": column}, "primary key"),
            Check("ExpectColumnValuesToBeUnique", {"column": column}, "primary key"))


def _rate(column: str, note: str = "a rate; null allowed") -> Check:
    return Check("ExpectColumnValuesToBeBetween", {"column": column, "min_value": 0, "max_value": 1}, note)


def _non_negative(column: str) -> Check:
    return Check("ExpectColumnValuesToBeBetween", {"column": column, "min_value": 0}, "a count or a duration")


#: What each key mart must carry (../shared/spec/activation-metrics.md, the marts contract).
MART_COLUMNS: dict[str, tuple[str, ...]] = {
    "fct_events": ("event_id", "event_name", "occurred_at", "received_at", "user_id", "anonymous_id",
                   "account_id", "session_id", "is_user_action", "is_in_tracking_plan",
                   "has_valid_properties"),
    "fct_user_activation": ("user_id", "account_id", "signed_up_at", "signup_cohort_week",
                            "company_size_band", "signup_channel", "data_source_type", "connected_at",
                            "is_connected", "first_value_at", "is_activated", "is_mature",
                            "minutes_to_first_value", "data_ready_minutes", "sync_failed_before_ready",
                            "dropped_after_connection", "returned_after_drop", "returned_within_return_window",
                            "is_stalled", "milestones_completed", "milestones_applicable"),
    "activation_funnel": ("segment_type", "segment_value", "step_order", "milestone", "users_reached",
                          "rate_from_previous", "rate_from_start", "users_in_progress"),
    "activation_drivers": ("driver", "bucket", "connected_users", "activated_users", "activation_rate"),
    "experiment_results": ("flag_key", "variant", "exposed_users", "activated_users", "activation_rate",
                           "diff_vs_control", "p_value"),
    "activation_decision": ("mature_connected_users", "dropped_users", "post_connection_drop_rate",
                            "drop_rate_ci_low", "drop_rate_ci_high", "verdict", "verdict_reason",
                            "invest_threshold", "defer_threshold", "as_of"),
}  # fmt: skip


def build_suites(raw_schema: str = RAW_SCHEMA, marts_schema: str = "marts",
                 plan_events: Sequence[str] | None = None) -> list[Suite]:
    """The suites, raw tables first. `plan_events` defaults to the tracking plan seed."""
    plan = sorted(plan_events if plan_events is not None else tracking_plan())

    def raw(table: str, *checks: Check, description: str = "", **extra: Any) -> Suite:
        present = _columns_present(RAW_TABLES[table].column_names, "raw contract")
        return Suite(f"raw_{table}", raw_schema, table, (present, *checks), description, **extra)

    def mart(table: str, *checks: Check, description: str = "") -> Suite:
        present = _columns_present(MART_COLUMNS[table], "marts contract")
        # A versioned mart is checked in its latest version (activation_warehouse/marts.py).
        return Suite(f"marts_{table}", marts_schema, latest_relation(table), (present, *checks), description)

    return [
        raw("events",
            Check("ExpectColumnValuesToNotBeNull", {"column": "received_at"},
                  "set by the collector: the contract promises it is always present"),
            Check("ExpectColumnValuesToBeBetween",
                  {"column": "received_at", "min_value": RECEIVED_AT_MIN, "max_value": RECEIVED_AT_MAX},
                  "sanity range of collector times (pd.Timestamp bounds)"),
            Check("ExpectColumnValuesToNotBeNull", {"column": "event_id", "mostly": 0.99},
                  "a few blank ids are expected (staging quarantines them); more means a tracker bug"),
            Check("ExpectColumnValuesToBeInSet",
                  {"column": "event_name_normalized", "value_set": plan, "mostly": 0.95},
                  "event_name normalised as staging does (lower, trim, runs of space/_/- → _). "
                  "Events outside the tracking plan are allowed by the contract (kept and counted "
                  "by the coverage check), so up to 5% may fall outside; more means a renamed or "
                  "broken tracker"),
            description="one row per event delivered by the tracker; retries may repeat an event_id",
            derived={"event_name_normalized": (NORMALIZED_EVENT_NAME_SQL, "event_name")}),
        raw("accounts",
            *_primary_key("account_id"),
            Check("ExpectColumnValuesToBeBetween",
                  {"column": "employee_count", "min_value": 0, "max_value": 1_000_000, "mostly": 0.99},
                  "head counts; nulls allowed, a rare typo tolerated"),
            Check("ExpectColumnValuesToBeInSet",
                  {"column": "signup_channel", "value_set": list(SIGNUP_CHANNELS), "mostly": 0.8},
                  "null or other values occur (the contract says so); staging maps them to unknown"),
            description="the application database's companies"),
        raw("users",
            *_primary_key("user_id"),
            Check("ExpectColumnValuesToBeInSet", {"column": "role", "value_set": list(USER_ROLES)},
                  "nulls allowed"),
            description="the application database's people"),
        raw("data_source_connections",
            *_primary_key("connection_id"),
            Check("ExpectColumnValuesToBeInSet", {"column": "source_type", "value_set": list(SOURCE_TYPES)},
                  "the contract's source types"),
            Check("ExpectColumnValuesToBeInSet", {"column": "status", "value_set": list(CONNECTION_STATUSES)},
                  "the contract's statuses"),
            description="the application database's connections"),
        raw("flag_exposures",
            *_primary_key("exposure_id"),
            description="feature-flag and experiment exposures"),
        mart("activation_decision",
             Check("ExpectTableRowCountToEqual", {"value": 1}, "the decision is one row"),
             Check("ExpectColumnValuesToNotBeNull", {"column": "verdict"}),
             Check("ExpectColumnValuesToBeInSet", {"column": "verdict", "value_set": list(VERDICTS)}),
             _rate("post_connection_drop_rate", "null without users"),
             _rate("drop_rate_ci_low", "Wilson 95% interval"),
             _rate("drop_rate_ci_high", "Wilson 95% interval"),
             Check("ExpectColumnPairValuesAToBeGreaterThanB",
                   {"column_A": "post_connection_drop_rate", "column_B": "drop_rate_ci_low",
                    "or_equal": True, "ignore_row_if": "either_value_is_missing"}, "ci_low ≤ rate"),
             Check("ExpectColumnPairValuesAToBeGreaterThanB",
                   {"column_A": "drop_rate_ci_high", "column_B": "post_connection_drop_rate",
                    "or_equal": True, "ignore_row_if": "either_value_is_missing"}, "rate ≤ ci_high"),
             _non_negative("mature_connected_users"),
             _non_negative("dropped_users"),
             description="the invest / defer / investigate verdict: one row"),
        mart("activation_funnel",
             Check("ExpectCompoundColumnsToBeUnique",
                   {"column_list": ["segment_type", "segment_value", "step_order"]}, "the grain"),
             _rate("rate_from_previous"),
             _rate("rate_from_start"),
             _non_negative("users_reached"),
             _non_negative("users_in_progress"),
             description="segment × funnel step"),
        mart("activation_drivers",
             _rate("activation_rate", "null for an empty bucket"),
             _rate("share_of_users"),
             _non_negative("connected_users"),
             description="driver × bucket"),
        mart("experiment_results",
             Check("ExpectCompoundColumnsToBeUnique", {"column_list": ["flag_key", "variant"]}, "the grain"),
             _rate("activation_rate"),
             _rate("p_value", "null on the control row"),
             _non_negative("exposed_users"),
             description="flag × variant"),
        mart("fct_user_activation",
             *_primary_key("user_id"),
             _non_negative("minutes_to_first_value"),
             description="user in the metrics"),
        mart("fct_events",
             *_primary_key("event_id"),
             Check("ExpectColumnValuesToNotBeNull", {"column": "received_at"}),
             Check("ExpectColumnValuesToNotBeNull", {"column": "event_name"}),
             description="clean events, one row per event_id"),
    ]


# --------------------------------------------------------------------------- results


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


# --------------------------------------------------------------------------- reading


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _prepare(frame: pd.DataFrame) -> pd.DataFrame:
    """Dtypes that GX's pandas code handles vectorised: its range check only takes the fast
    path for nanosecond timestamps and numpy int/float, else it calls Python per value."""
    for name, dtype in frame.dtypes.items():
        if pd.api.types.is_datetime64_any_dtype(dtype) and not isinstance(dtype, pd.DatetimeTZDtype) \
                and str(dtype) != "datetime64[ns]":
            try:
                frame[name] = frame[name].astype("datetime64[ns]")
            except (OverflowError, ValueError, pd.errors.OutOfBoundsDatetime):
                pass  # a timestamp outside 1677..2262: keep it (slow path, same answer)
        elif isinstance(dtype, pd.api.extensions.ExtensionDtype) and pd.api.types.is_numeric_dtype(dtype) \
                and not pd.api.types.is_bool_dtype(dtype):
            frame[name] = frame[name].astype("float64")
    return frame


def _select_list(suite: Suite, columns: Sequence[str]) -> str:
    parts = []
    for column in columns:
        if column in suite.derived:
            parts.append(f"{suite.derived[column][0]} as {_quote(column)}")
        else:
            parts.append(_quote(column))
    return ", ".join(parts) or "1 as _row"


def _stream(connection: duckdb.DuckDBPyConnection, sql: str, batch_rows: int) -> Iterator[pd.DataFrame]:
    """Frames of at most about batch_rows rows from one read-only query (one snapshot, so
    no ordering is needed to see every row exactly once)."""
    vectors = max(1, math.ceil(batch_rows / 2048))  # DuckDB hands out 2048-row vectors
    cursor = connection.execute(sql)
    yield _prepare(cursor.fetch_df_chunk(vectors))  # even empty: an empty table gets results too
    while len(frame := cursor.fetch_df_chunk(vectors)) > 0:
        yield _prepare(frame)


# --------------------------------------------------------------------------- DuckDB fallbacks


def _whole_in_duckdb(connection: duckdb.DuckDBPyConnection, suite: Suite, check: Check) -> tuple[bool, dict]:
    """A `whole` check as one aggregate query, answered in GX's result shape."""
    relation = f"{_quote(suite.schema)}.{_quote(suite.table)}"
    if check.expectation in {"ExpectTableRowCountToEqual", "ExpectTableRowCountToBeBetween"}:
        rows = connection.execute(f"select count(*) from {relation}").fetchone()[0]  # noqa: S608
        if check.expectation == "ExpectTableRowCountToEqual":
            return rows == check.kwargs["value"], {"observed_value": rows}
        low, high = check.kwargs.get("min_value"), check.kwargs.get("max_value")
        return (low is None or rows >= low) and (high is None or rows <= high), {"observed_value": rows}
    columns = ", ".join(_quote(c) for c in check.columns)
    # GX skips null values (one column) and rows whose key columns are all null (compound).
    present = " or ".join(f"{_quote(c)} is not null" for c in check.columns)
    keys = columns if len(check.columns) == 1 else f"({columns})"
    sql = f"""
        with counted as (
            select {keys} as key, count(*) as n from {relation} where {present} group by all
        )
        select coalesce(sum(n), 0), coalesce(sum(n) filter (where n > 1), 0),
               (select list(key) from (select key from counted where n > 1 limit {EXAMPLES_SHOWN}))
        from counted
    """  # noqa: S608 - names come from the suites
    element_count, unexpected_count, examples = connection.execute(sql).fetchone()
    total = connection.execute(f"select count(*) from {relation}").fetchone()[0]  # noqa: S608
    result = {"element_count": int(total), "missing_count": int(total - element_count),
              "unexpected_count": int(unexpected_count), "partial_unexpected_list": list(examples or [])}
    return unexpected_count == 0, result


# --------------------------------------------------------------------------- GX


def _quiet_gx() -> None:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    logging.getLogger("great_expectations").setLevel(logging.ERROR)


class _GX:
    """An ephemeral GX context with one pandas datasource; nothing is written to disk."""

    def __init__(self) -> None:
        _quiet_gx()
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        self.gx = gx
        self.context = gx.get_context(mode="ephemeral")
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
        self.datasource = self.context.data_sources.add_pandas(f"warehouse_{uuid.uuid4().hex[:8]}")

    def batch_definition(self, asset_name: str):
        asset = self.datasource.add_dataframe_asset(asset_name)
        return asset.add_batch_definition_whole_dataframe("whole_frame")

    def suite(self, name: str, checks: Sequence[Check]) -> tuple[Any, dict[str, Check]]:
        """A GX suite of `checks`; returns it and expectation id -> check."""
        suite = self.gx.ExpectationSuite(name=name)
        expectations = []
        for check in checks:
            expectation = getattr(self.gx.expectations, check.expectation)(**check.kwargs)
            expectations.append(suite.add_expectation(expectation))
        suite = self.context.suites.add(suite)  # gives every expectation its id
        by_id = {expectation.id: check for expectation, check in zip(expectations, checks)}
        if None in by_id or len(by_id) != len(checks):
            raise RuntimeError(f"suite {name}: two checks are the same expectation")
        return suite, by_id


def _validate_frame(gx_: _GX, batch_definition, gx_suite, by_id: dict[str, Check],
                    frame: pd.DataFrame, tallies: dict[int, _Tally]) -> None:
    batch = batch_definition.get_batch(batch_parameters={"dataframe": frame})
    results = batch.validate(gx_suite, result_format=RESULT_FORMAT)
    for result in results.results:
        check = by_id[result.expectation_config.id]
        tally = tallies[id(check)]
        info = result.exception_info or {}
        error = info.get("exception_message") if info.get("raised_exception") else None
        tally.add(result.success, result.result or {}, error)


def _validate_suite(gx_: _GX, connection: duckdb.DuckDBPyConnection, suite: Suite,
                    batch_rows: int, whole_max_rows: int) -> SuiteResult:
    started = time.perf_counter()
    relation = f"{_quote(suite.schema)}.{_quote(suite.table)}"
    exists = connection.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [suite.schema, suite.table],
    ).fetchone()[0]
    if not exists:
        outcome = Outcome(suite.name, suite.relation, "", "table_exists", "", False,
                          "table not found (has the build run?)")
        return SuiteResult(suite, [outcome], None, 0, time.perf_counter() - started)

    rows = connection.execute(f"select count(*) from {relation}").fetchone()[0]  # noqa: S608
    empty = connection.execute(f"select * from {relation} limit 0").df()  # noqa: S608
    table_columns = set(empty.columns)
    tallies = {id(check): _Tally(check) for check in suite.checks}

    # Checks whose columns are missing fail without running (the schema check says why).
    runnable: dict[str, list[Check]] = {"schema": [], "rows": [], "whole": []}
    for check in suite.checks:
        missing = [c for c in check.columns
                   if c not in table_columns and suite.derived.get(c, ("", c))[1] not in table_columns]
        if missing:
            tallies[id(check)].add(False, {}, f"column {', '.join(missing)} not in {suite.relation}")
        else:
            runnable[check.scope].append(check)

    batch_definition = gx_.batch_definition(suite.name)
    prefix = uuid.uuid4().hex[:8]

    if runnable["schema"]:
        gx_suite, by_id = gx_.suite(f"{suite.name}.schema.{prefix}", runnable["schema"])
        _validate_frame(gx_, batch_definition, gx_suite, by_id, empty, tallies)

    batches = 0
    if runnable["rows"]:
        gx_suite, by_id = gx_.suite(f"{suite.name}.rows.{prefix}", runnable["rows"])
        columns = list(dict.fromkeys(c for check in runnable["rows"] for c in check.columns))
        ranged = [check for check in runnable["rows"] if check.expectation == "ExpectColumnValuesToBeBetween"]
        sql = f"select {_select_list(suite, columns)} from {relation}"  # noqa: S608
        for frame in _stream(connection, sql, batch_rows):
            batches += 1
            _validate_frame(gx_, batch_definition, gx_suite, by_id, frame, tallies)
            for check in ranged:
                tallies[id(check)].add_range(frame[check.kwargs["column"]])

    if runnable["whole"]:
        if rows <= whole_max_rows:
            gx_suite, by_id = gx_.suite(f"{suite.name}.whole.{prefix}", runnable["whole"])
            columns = list(dict.fromkeys(c for check in runnable["whole"] for c in check.columns))
            frame = _prepare(connection.execute(
                f"select {_select_list(suite, columns)} from {relation}").df())  # noqa: S608
            _validate_frame(gx_, batch_definition, gx_suite, by_id, frame, tallies)
            batches = max(batches, 1)
        else:
            for check in runnable["whole"]:
                success, result = _whole_in_duckdb(connection, suite, check)
                tallies[id(check)].add(success, result)
                tallies[id(check)].in_duckdb = True

    outcomes = [tallies[id(check)].outcome(suite) for check in suite.checks]
    return SuiteResult(suite, outcomes, rows, batches, time.perf_counter() - started)


def validate_warehouse(
    warehouse: Path,
    docs_dir: Path | None = DEFAULT_DOCS_DIR,
    *,
    raw_schema: str = RAW_SCHEMA,
    marts_schema: str = "marts",
    batch_rows: int = DEFAULT_BATCH_ROWS,
    whole_max_rows: int = DEFAULT_WHOLE_MAX_ROWS,
    suites: Sequence[Suite] | None = None,
) -> ValidationReport:
    """Validate every suite against the DuckDB file `warehouse` (opened read-only, closed
    before returning); write the Data Docs page into `docs_dir` unless it is None."""
    started = time.perf_counter()
    warehouse = Path(warehouse)
    if not warehouse.exists():
        raise ValidationSetupError(f"no warehouse at {warehouse}: run the build first")
    suites = list(suites) if suites is not None else build_suites(raw_schema, marts_schema)
    try:
        connection = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.Error as error:
        raise ValidationSetupError(
            f"cannot open {warehouse} read-only (is a dbt build still writing it?): {error}"
        ) from error
    try:
        gx_ = _GX()
        results = [_validate_suite(gx_, connection, suite, batch_rows, whole_max_rows) for suite in suites]
    finally:
        connection.close()
    report = ValidationReport(warehouse, results, time.perf_counter() - started)
    if docs_dir is not None:
        report.docs_path = write_data_docs(report, Path(docs_dir))
    return report


# --------------------------------------------------------------------------- Data Docs

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem;color:#1f2328;max-width:1400px}
h1{font-size:1.5rem;margin-bottom:.2rem} h2{font-size:1.15rem;margin:2rem 0 .3rem}
.meta,.desc{color:#59636e;margin:.2rem 0} .pill{display:inline-block;padding:.1rem .55rem;border-radius:1rem;
font-weight:600;font-size:.85rem} .ok{background:#dafbe1;color:#116329} .fail{background:#ffebe9;color:#a40e26}
table{border-collapse:collapse;width:100%;margin-top:.5rem;font-size:.9rem}
th,td{border:1px solid #d1d9e0;padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:#f6f8fa} tr.failed td{background:#fff5f5} code{font-size:.85rem}
nav a{margin-right:1rem} .note{color:#59636e;font-size:.85rem}
"""


def render_data_docs(report: ValidationReport) -> str:
    """The validation results as one self-contained HTML page (no scripts, no CDN)."""
    esc = html.escape
    generated = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    total, failed = len(report.outcomes), len(report.failures)
    verdict = "ok" if report.success else "fail"
    out = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<title>Data Docs — activation warehouse</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>Data Docs — activation warehouse</h1>",
        f"<p class='meta'>Warehouse <code>{esc(str(report.warehouse))}</code> · generated {generated} · "
        f"{report.seconds:.1f} s · Great Expectations (pandas datasource, ephemeral context)</p>",
        f"<p><span class='pill {verdict}'>{'all passed' if report.success else f'{failed} failed'}</span> "
        f"{len(report.suites)} suites, {total} expectations</p>",
        "<h2>Suites</h2><table><tr><th>suite</th><th>table</th><th>rows</th><th>batches</th>"
        "<th>passed</th><th>status</th></tr>",
    ]
    for result in report.suites:
        status = "ok" if result.success else "fail"
        rows = "missing" if result.rows is None else f"{result.rows:,}"
        out.append(
            f"<tr class='{'' if result.success else 'failed'}'><td><a href='#{esc(result.suite.name)}'>"
            f"{esc(result.suite.name)}</a></td><td>{esc(result.suite.relation)}</td><td>{rows}</td>"
            f"<td>{result.batches}</td><td>{len(result.outcomes) - result.failed}/{len(result.outcomes)}</td>"
            f"<td><span class='pill {status}'>{'passed' if result.success else 'failed'}</span></td></tr>"
        )
    out.append("</table>")
    for result in report.suites:
        suite = result.suite
        out += [
            f"<h2 id='{esc(suite.name)}'>{esc(suite.name)} "
            f"<span class='pill {'ok' if result.success else 'fail'}'>"
            f"{'passed' if result.success else f'{result.failed} failed'}</span></h2>",
            f"<p class='desc'><code>{esc(suite.relation)}</code> — {esc(suite.description)}</p>",
            "<table><tr><th>expectation</th><th>column</th><th>arguments</th><th>success</th>"
            "<th>observed value</th><th>why</th></tr>",
        ]
        for outcome in result.outcomes:
            out.append(
                f"<tr class='{'' if outcome.success else 'failed'}'><td><code>{esc(outcome.expectation)}</code></td>"
                f"<td>{esc(outcome.column)}</td><td><code>{esc(outcome.arguments)}</code></td>"
                f"<td>{'✅ yes' if outcome.success else '❌ no'}</td><td>{esc(outcome.observed)}</td>"
                f"<td class='note'>{esc(outcome.note)}</td></tr>"
            )
        out.append("</table>")
    out.append("</body></html>")
    return "\n".join(out)


def write_data_docs(report: ValidationReport, docs_dir: Path) -> Path:
    """Write the page to docs_dir/index.html; return its path."""
    docs_dir.mkdir(parents=True, exist_ok=True)
    path = docs_dir / DOCS_FILE_NAME
    path.write_text(render_data_docs(report), encoding="utf-8")
    return path.resolve()
