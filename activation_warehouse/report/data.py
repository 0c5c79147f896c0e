"""Reading the warehouse for the report: every table the page shows, in one read-only session.

Why one module reads and the rest only render: the page must work on the warehouse and on
the published copy while a build runs, so the connection is opened read-only, every query
runs at once and the file is closed before any HTML is written. A table that is not built
is recorded as missing (its section says so) and never fails the page; only a warehouse
without ``marts.activation_decision`` is refused, since the page has nothing to say then.

Every number the page shows is a mart's own (statistics.sql computes the intervals and
p-values in the marts); this module reads rows, counts rows of a few marts and names the
settings in force. See docs/report.md, "Where each number comes from".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from activation_warehouse.marts import latest_relation
from activation_warehouse.report.followups import FOLLOWUP_QUERIES
from activation_warehouse.report.incidents import ACKNOWLEDGEMENTS, INCIDENT_QUERIES, INCIDENTS
from activation_warehouse.settings import SETTINGS_MART, load_registry, parse_value
from activation_warehouse.warehouse_lock import open_warehouse

#: The latest versions of the versioned marts (activation_warehouse/marts.py).
USERS = f"marts.{latest_relation('fct_user_activation')}"
DRIVERS = f"marts.{latest_relation('activation_drivers')}"

#: Vars shown at the foot, in this order (values in force from marts.activation_settings).
VARS_SHOWN = (
    "activation_window_days", "as_of", "in_scope_min_employees", "in_scope_max_employees",
    "invest_threshold", "defer_threshold", "min_decision_users", "post_connection_minutes",
    "session_timeout_minutes", "return_window_days", "stall_days", "min_driver_bucket_users",
    "control_variant", "activated_to_paid_rate",
)


class ReportError(RuntimeError):
    """The report cannot be written (no warehouse, or no decision mart)."""


@dataclass
class ReportData:
    """Everything the page shows, read from the warehouse in one read-only session."""

    warehouse: Path
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)  # "schema.table" -> rows used
    missing: set[str] = field(default_factory=set)
    counts: dict[str, int] = field(default_factory=dict)
    vars: dict[str, tuple[Any, str]] = field(default_factory=dict)  # name -> (value, where from)

    def get(self, name: str) -> pd.DataFrame | None:
        """The rows read of one relation, or None when the warehouse does not hold it."""
        return self.tables.get(name)


#: What the page reads, relation -> query. The `activation_report` exposure
#: (models/marts/_exposures.yml) must name exactly these, COUNTED and the dq_ marts
#: (tests/python/test_report.py checks it).
QUERIES: dict[str, str] = {
    "marts.activation_decision": "select * from marts.activation_decision",
    "marts.activation_funnel": "select * from marts.activation_funnel order by segment_type, segment_value, step_order",
    DRIVERS: f"select * from {DRIVERS} order by driver_rank, driver, bucket_order",
    "marts.experiment_results": "select * from marts.experiment_results order by flag_key, is_control desc, variant",
    "marts.activation_opportunity": "select * from marts.activation_opportunity order by relative_lift, company_size_band",
    USERS: (
        "select minutes_to_first_value, is_in_scope, is_mature, dropped_after_connection,"
        " returned_after_drop, returned_within_return_window, epoch(window_ends_at - signed_up_at) / 86400.0 as window_days"
        f" from {USERS}"
    ),
    SETTINGS_MART: f"select * from {SETTINGS_MART} order by setting_order",
    "seeds.milestones": "select * from seeds.milestones order by milestone_order",
    "seeds.milestone_events": "select * from seeds.milestone_events order by milestone_key, event_name",
    "seeds.company_size_bands": "select * from seeds.company_size_bands order by band_order",
    "marts.dq_tracking_coverage": (
        "select table_name, event_name, check_date, app_rows, tracked_rows, status from marts.dq_tracking_coverage"
    ),
    "marts.dq_event_volume": (
        "select check_date, event_name, events, baseline_median, volume_score, is_anomaly, status, status_reason"
        " from marts.dq_event_volume"
    ),
    "marts.dq_quarantine_share": (
        "select check_date, reason, raw_rows, quarantined_rows, status from marts.dq_quarantine_share"
    ),
    **FOLLOWUP_QUERIES,
    **INCIDENT_QUERIES,
}
#: Marts whose row count the page shows (the quarantine share of all raw rows, the stalled users).
COUNTED = ("marts.fct_events", "marts.event_quarantine", "marts.event_duplicates", "marts.stalled_users")


def read_report_data(warehouse: Path) -> ReportData:
    """Read what the page needs; the connection is read-only and closed on return."""
    warehouse = Path(warehouse)
    if not warehouse.is_file():
        raise ReportError(f"no warehouse at {warehouse}: run `make build` first")
    data = ReportData(warehouse=warehouse.resolve())
    try:
        connection = open_warehouse(warehouse, read_only=True)
    except duckdb.Error as error:
        raise ReportError(
            f"cannot open {warehouse} read-only (a build may be writing it; "
            f"the published copy can be read meanwhile): {error}"
        ) from error
    try:
        existing = {
            f"{schema}.{name}"
            for schema, name in connection.execute(
                "select schema_name, table_name from duckdb_tables()"
                " union all select schema_name, view_name from duckdb_views() where not internal"
            ).fetchall()
        }
        if "marts.activation_decision" not in existing:
            raise ReportError(f"{warehouse} has no marts.activation_decision: run `dbt build` first")
        for name, sql in QUERIES.items():
            if name in existing:
                data.tables[name] = connection.execute(sql).df()
            else:
                data.missing.add(name)
        data.tables["dq_status"] = _dq_status(connection, existing)
        data.tables["dq_issues"] = _dq_issues(connection, existing)
        for name in COUNTED:
            if name in existing:
                data.counts[name] = int(connection.execute(f"select count(*) from {name}").fetchall()[0][0])
    finally:
        connection.close()
    data.vars = _vars_in_force(data)
    return data


def _dq_tables(existing: set[str]) -> list[str]:
    """The check marts; the incident and acknowledgement marts summarise them (the
    incident block reads those), so they are no check of their own."""
    return sorted(name for name in existing if name.startswith("marts.dq_") and name not in (INCIDENTS, ACKNOWLEDGEMENTS))


def _columns(connection: duckdb.DuckDBPyConnection, name: str) -> set[str]:
    """The columns of one marts relation: a dq_ mart of an older build may lack some."""
    return {row[0] for row in connection.execute(
        "select column_name from duckdb_columns() where schema_name = 'marts' and table_name = ?",
        [name.split(".", 1)[1]],
    ).fetchall()}


def _dq_status(connection: duckdb.DuckDBPyConnection, existing: set[str]) -> pd.DataFrame:
    """Per check mart: how many rows of each status and the latest day judged. Any dq_ mart
    the page does not know by name is listed too, so a new check is never left off."""
    rows = []
    for name in _dq_tables(existing):
        columns = _columns(connection, name)
        if "status" not in columns:
            continue
        counts = dict(connection.execute(f"select status, count(*) from {name} group by status").fetchall())
        latest = connection.execute(f"select max(check_date) from {name}").fetchall()[0][0] if "check_date" in columns else None
        rows.append({"table": name.split(".", 1)[1], **{k: int(counts.get(k, 0)) for k in ("ok", "warn", "error", "not_judged")},
                     "latest": latest})
    return pd.DataFrame(rows, columns=["table", "ok", "warn", "error", "not_judged", "latest"])


def _dq_issues(connection: duckdb.DuckDBPyConnection, existing: set[str]) -> pd.DataFrame:
    """The latest 25 warn and error rows of every check mart, errors first (shown only when
    the incident mart is missing: that mart lists the same breaches, split by status)."""
    parts = []
    for name in _dq_tables(existing):
        if {"status", "status_reason", "check_date"} <= _columns(connection, name):
            parts.append(
                f"select '{name.split('.', 1)[1]}' as dq_table, check_date, status, status_reason from {name}"
                " where status in ('warn', 'error')"
            )
    if not parts:
        return pd.DataFrame(columns=["dq_table", "check_date", "status", "status_reason"])
    return connection.execute(
        " union all ".join(parts) + " order by case status when 'error' then 0 else 1 end, check_date desc limit 25"
    ).df()


def _vars_in_force(data: ReportData) -> dict[str, tuple[Any, str]]:
    """Each var's value and where it comes from: marts.activation_settings, which every build
    writes from the vars it ran with (so a `--vars` override shows), never dbt_project.yml
    nor a guess from the data. A warehouse built before that mart existed shows the
    registry's defaults, labelled as not recorded."""
    found: dict[str, tuple[Any, str]] = {}
    settings = data.get(SETTINGS_MART)
    if settings is not None and len(settings):
        for row in settings.itertuples(index=False):
            if row.setting_name in VARS_SHOWN:
                text = None if pd.isna(row.value_in_force) else row.value_in_force
                origin = SETTINGS_MART + (" (set for this build)" if bool(row.differs_from_default) else "")
                found[row.setting_name] = (parse_value(row.value_type, text), origin)
    else:
        for setting in load_registry():
            if setting.name in VARS_SHOWN:
                found[setting.name] = (setting.default, f"default; not recorded ({SETTINGS_MART} not built)")
    decision = data.get("marts.activation_decision")
    if decision is not None and len(decision) and pd.notna(decision.iloc[0].get("as_of")):
        set_explicitly = found.get("as_of", (None, ""))[0] is not None
        found["as_of"] = (
            f"{pd.Timestamp(decision.iloc[0]['as_of']):%Y-%m-%d %H:%M:%S} UTC",
            "marts.activation_decision" + ("" if set_explicitly else " (latest clean event)"),
        )
    return found


def setting_label(data: ReportData, name: str) -> str:
    """A setting in force in words, e.g. "30 minutes" or "3 days", for every label that names
    a window. Labels must follow the settings, never state their defaults: the value is the
    one marts.activation_settings recorded for the build (see _vars_in_force) and the unit
    is the registry's (macros/config/settings.sql), so no unit is written here."""
    value = data.vars.get(name, (None, ""))[0]
    units = {setting.name: setting.unit for setting in load_registry()}
    unit = units.get(name, "")
    if value is None:
        return f"the {name} setting"
    try:
        number = float(value)
    except (TypeError, ValueError):  # not a number: dbt's validate_vars stops such a build
        return f"{value} {unit}"
    shown = f"{int(number)}" if number.is_integer() else f"{number:g}"
    return f"{shown} {unit[:-1] if number == 1 and unit.endswith('s') else unit}"


def funnel_steps(data: ReportData) -> tuple[list[tuple[int, str]], str | None]:
    """The funnel steps (order, milestone) and the activation milestone's key: the seed's
    `activation` role, else the last step (an older seed without roles)."""
    funnel = data.get("marts.activation_funnel")
    steps: list[tuple[int, str]] = []
    if funnel is not None and len(funnel):
        steps = sorted({(int(o), m) for o, m in zip(funnel["step_order"], funnel["milestone"])})
    activation = None
    milestones = data.get("seeds.milestones")
    if milestones is not None and "milestone_role" in milestones.columns:
        keys = milestones.loc[milestones["milestone_role"] == "activation", "milestone_key"]
        if len(keys):
            activation = keys.iloc[0]
    if activation is None and steps:
        activation = steps[-1][1]
    return steps, activation
