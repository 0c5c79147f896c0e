"""The suites: which expectations each raw table and key mart gets.

Column lists and value sets are not written here: they come from the project's single
sources (``definitions``: the raw contract in the sources' YAML, the marts' contracts, the
tracking-plan seed, the normalisation macro), so a renamed mart column or a new accepted
value needs no edit of this file. What is written here is the judgement of each check:
which ranges, which keys, and how much dirt the raw data may carry (``mostly``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from activation_warehouse.contract import tracking_plan
from activation_warehouse.event_names import normalized_event_name_sql
from activation_warehouse.validate.definitions import TableDefinition, mart_contracts, raw_tables
from activation_warehouse.settings import default as setting_default

#: The raw schema unless the caller names one: the setting raw_schema's default (registry).
RAW_SCHEMA: str = setting_default("raw_schema")

#: Sanity range of collector timestamps: catches epoch-0 and garbage years, not "late" data.
RECEIVED_AT_MIN = pd.Timestamp("2000-01-01")
RECEIVED_AT_MAX = pd.Timestamp("2100-01-01")

# Expectations (by GX class name) that are validated once on a zero-row frame, and those
# that need every row of their columns at once.
SCHEMA_EXPECTATIONS = frozenset({"ExpectTableColumnsToMatchSet"})
WHOLE_EXPECTATIONS = frozenset(
    {"ExpectColumnValuesToBeUnique", "ExpectCompoundColumnsToBeUnique",
     "ExpectTableRowCountToEqual", "ExpectTableRowCountToBeBetween"}
)  # fmt: skip


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


def _in_set(table: TableDefinition, column: str, where: str, note: str = "") -> Check:
    """The column's value set as `where` declares it (mostly from the declaration)."""
    value_set = table.value_set(column)
    kwargs: dict[str, Any] = {"column": column, "value_set": list(value_set.values)}
    if value_set.mostly is not None:
        kwargs["mostly"] = value_set.mostly
    return Check("ExpectColumnValuesToBeInSet", kwargs, note or f"the value set of {where}; nulls allowed")


def _checked_columns_exist(suite: Suite, table: TableDefinition) -> None:
    """A check on a column the declaration lacks is a mistake of this file (or a renamed
    column): say so now rather than fail every validation run."""
    known = set(table.columns) | set(suite.derived)
    unknown = sorted({column for check in suite.checks for column in check.columns} - known)
    if unknown:
        raise ValueError(f"suite {suite.name}: column {', '.join(unknown)} not declared for {table.name}")


def build_suites(raw_schema: str = RAW_SCHEMA, marts_schema: str = "marts",
                 plan_events: Sequence[str] | None = None) -> list[Suite]:
    """The suites, raw tables first. `plan_events` defaults to the tracking plan seed."""
    plan = sorted(plan_events if plan_events is not None else tracking_plan())
    sources, contracts = raw_tables(), mart_contracts()
    suites: list[Suite] = []

    def raw(table: str, *checks: Check, description: str = "", **extra: Any) -> None:
        declared = sources[table]
        present = _columns_present(declared.columns, "raw contract (models/staging/*/_*__sources.yml)")
        suite = Suite(f"raw_{table}", raw_schema, declared.relation, (present, *checks), description, **extra)
        _checked_columns_exist(suite, declared)
        suites.append(suite)

    def mart(table: str, *checks: Check, description: str = "") -> None:
        declared = contracts[table]
        present = _columns_present(declared.columns, "mart's enforced contract")
        suite = Suite(f"marts_{table}", marts_schema, declared.relation, (present, *checks), description)
        _checked_columns_exist(suite, declared)
        suites.append(suite)

    sources_yml = "models/staging/app/_app__sources.yml"
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
              "event_name normalised by staging's rule (macro normalize_event_name, read from the "
              "macro file) against the tracking plan seed. Events outside the tracking plan are "
              "allowed by the contract (kept and counted by the coverage check), so up to 5% may "
              "fall outside; more means a renamed or broken tracker"),
        description="one row per event delivered by the tracker; retries may repeat an event_id",
        derived={"event_name_normalized": (normalized_event_name_sql('"event_name"'), "event_name")})
    raw("accounts",
        *_primary_key("account_id"),
        Check("ExpectColumnValuesToBeBetween",
              {"column": "employee_count", "min_value": 0, "max_value": 1_000_000, "mostly": 0.99},
              "head counts; nulls allowed, a rare typo tolerated"),
        _in_set(sources["accounts"], "signup_channel", sources_yml,
                "meta.expected_values of _app__sources.yml: null or other values occur (the contract says "
                "so; expected_share is the share that must match); staging maps them to unknown"),
        description="the application database's companies")
    raw("users",
        *_primary_key("user_id"),
        _in_set(sources["users"], "role", sources_yml),
        description="the application database's people")
    raw("data_source_connections",
        *_primary_key("connection_id"),
        _in_set(sources["data_source_connections"], "source_type", sources_yml),
        _in_set(sources["data_source_connections"], "status", sources_yml),
        description="the application database's connections")
    raw("flag_exposures",
        *_primary_key("exposure_id"),
        description="feature-flag and experiment exposures")
    mart("activation_decision",
         Check("ExpectTableRowCountToEqual", {"value": 1}, "the decision is one row"),
         Check("ExpectColumnValuesToNotBeNull", {"column": "verdict"}),
         _in_set(contracts["activation_decision"], "verdict", "the mart's accepted_values test"),
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
         description="the invest / defer / investigate verdict: one row")
    mart("activation_funnel",
         Check("ExpectCompoundColumnsToBeUnique",
               {"column_list": ["segment_type", "segment_value", "step_order"]}, "the grain"),
         _rate("rate_from_previous"),
         _rate("rate_from_start"),
         _non_negative("users_reached"),
         _non_negative("users_in_progress"),
         description="segment × funnel step")
    mart("activation_drivers",
         _rate("activation_rate", "null for an empty bucket"),
         _rate("share_of_users"),
         _non_negative("connected_users"),
         description="driver × bucket")
    mart("experiment_results",
         Check("ExpectCompoundColumnsToBeUnique", {"column_list": ["flag_key", "variant"]}, "the grain"),
         _rate("activation_rate"),
         _rate("p_value", "null on the control row"),
         _non_negative("exposed_users"),
         description="flag × variant")
    mart("fct_user_activation",
         *_primary_key("user_id"),
         _non_negative("minutes_to_first_value"),
         description="user in the metrics")
    mart("fct_events",
         *_primary_key("event_id"),
         Check("ExpectColumnValuesToNotBeNull", {"column": "received_at"}),
         Check("ExpectColumnValuesToNotBeNull", {"column": "event_name"}),
         description="clean events, one row per event_id")
    return suites
