"""Running the suites: read each table from DuckDB (read-only), validate it with GX.

Each suite's expectations fall into three scopes (``Check.scope``):

* ``schema``: column presence, validated once on a zero-row frame with every column;
* ``rows``: row-wise expectations (not null, in set, between, column pairs), validated on
  batches of at most ``batch_rows`` rows of only the columns they need, streamed from one
  read-only query and summed by ``results._Tally``;
* ``whole``: expectations that need every row at once (uniqueness, row count). The needed
  columns are read in full as one frame when the table has at most ``whole_max_rows`` rows;
  above that (a 10M-row ``fct_events``), the same check runs as one DuckDB aggregate query
  and is reported in GX's result shape (marked "checked in DuckDB").

Timestamps are compared with ``pd.Timestamp`` bounds (string bounds fail without an error),
and frames are given dtypes GX handles with vectorised code (nanosecond timestamps, float64
for nullable integers), which keeps a 10M-event warehouse within a few minutes.
"""

from __future__ import annotations

import logging
import math
import os
import time
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from activation_warehouse.validate.data_docs import DEFAULT_DOCS_DIR, write_data_docs
from activation_warehouse.validate.results import EXAMPLES_SHOWN, Outcome, SuiteResult, ValidationReport, _Tally
from activation_warehouse.validate.suites import RAW_SCHEMA, Check, Suite, build_suites
from activation_warehouse.warehouse_lock import open_warehouse

#: Rows per batch for row-wise expectations (a frame of a few columns of this many rows
#: stays well under a few hundred MB).
DEFAULT_BATCH_ROWS = 500_000
#: Largest table whose key columns are read as one frame for uniqueness and row counts;
#: above it those checks run as one DuckDB query.
DEFAULT_WHOLE_MAX_ROWS = 2_000_000

#: GX result format: counts plus a few unexpected values; no index lists (costly on big frames).
RESULT_FORMAT: dict[str, Any] = {"result_format": "BASIC", "partial_unexpected_count": 20}


class ValidationSetupError(Exception):
    """The validation could not start (no warehouse file, the file is locked…): one line."""


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
        connection = open_warehouse(warehouse, read_only=True)
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


