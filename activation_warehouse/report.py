"""The activation report: one self-contained HTML file read from the built warehouse.

``python -m activation_warehouse report [--warehouse W] [--out reports/activation_report.html]
[--vars '{post_connection_minutes: 60}']``

The page opens from disk with no server and no internet: the charts are Vega-Lite specs
made with altair, and the Vega / Vega-Lite / vega-embed JavaScript (from
vl-convert-python) is embedded inline in the file. It reads only ``marts`` and ``seeds``,
so it works on the warehouse or on the published copy (``published/activation_marts.duckdb``),
which can be read while a build runs. The warehouse is opened read-only and closed before
the HTML is written.

What a reader sees, top to bottom: the verdict with the drop rate and its interval drawn
against the invest / defer thresholds; the funnel overall and per segment; the cohort
trend by signup week; the time to first value; the drivers ranked by spread; the
experiment read-out with its uncertainty; the opportunity table; whether drop-offs come
back, the time to next action, and the stalled users to nudge (report_sections.py); a
data-health panel (tracking coverage, volume anomalies, quarantine share, every
data-quality check); and at the foot the activation definition in force and the as-of time.
"""

from __future__ import annotations

import json
import math
import os
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from activation_warehouse.marts import latest_relation
from activation_warehouse import report_sections as extra
from activation_warehouse.report_html import esc as _esc, missing as _missing, table as _table
from activation_warehouse.report_incidents import ACKNOWLEDGEMENTS, INCIDENT_QUERIES, INCIDENTS, incidents_block
from activation_warehouse.paths import PROJECT_DIR
from activation_warehouse.settings import SETTINGS_MART, load_registry, parse_value
from activation_warehouse.warehouse_lock import open_warehouse

DEFAULT_REPORT_PATH = PROJECT_DIR / "reports" / "activation_report.html"

#: The verdict's colour (header, interval) and its headline.
VERDICT_STYLE: dict[str, tuple[str, str, str]] = {
    # verdict: (colour, light background, headline)
    "invest": ("#b42318", "#fef3f2", "Invest: the drop after connecting is worth a quarter of work"),
    "investigate": ("#b54708", "#fffaeb", "Investigate: the data cannot decide yet"),
    "defer": ("#067647", "#ecfdf3", "Defer: the drop after connecting is small"),
}
ZONE_COLOURS = {"defer": "#12b76a", "investigate": "#f79009", "invest": "#f04438"}
BLUE, BLUE_LIGHT, GREY, GREY_LIGHT, INK = "#3e63dd", "#b6c6f5", "#98a2b3", "#e4e7ec", "#101828"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"

#: The latest versions of the versioned marts (activation_warehouse/marts.py).
USERS = f"marts.{latest_relation('fct_user_activation')}"
DRIVERS = f"marts.{latest_relation('activation_drivers')}"

#: Human titles of the drivers (activation_drivers.driver); unknown drivers show their key.
#: `{post_connection}` is filled with the post-connection window in force (setting_label).
DRIVER_TITLES = {
    "data_ready": "Time until the data was ready",
    "sync_error": "First sync error",
    "empty_state_post_connection": "Saw an empty state (first {post_connection})",
    "template_gallery_post_connection": "Viewed the template gallery (first {post_connection})",
    "connecting_session_minutes": "Length of the connecting session",
}
SEGMENT_TITLES = {
    "overall": "Everyone",
    "scope": "In / out of scope",
    "company_size_band": "Company size (employees)",
    "signup_channel": "Signup channel",
    "data_source_type": "Data source",
    "signup_cohort_week": "Signup week",
}
#: Time-to-first-value bins: (upper bound in minutes, label); the last is open-ended.
TTFV_BINS: tuple[tuple[float, str], ...] = (
    (5, "< 5 min"), (15, "5–15 min"), (30, "15–30 min"), (60, "30–60 min"), (120, "1–2 h"),
    (240, "2–4 h"), (480, "4–8 h"), (1440, "8–24 h"), (4320, "1–3 d"), (10080, "3–7 d"),
    (20160, "7–14 d"), (math.inf, "14 d +"),
)
#: The data-quality marts the health panel knows by name (any other dq_ mart is listed too).
DQ_TITLES = {
    "dq_tracking_coverage": "Tracking coverage",
    "dq_event_volume": "Event volume",
    "dq_quarantine_share": "Quarantine share",
    "dq_duplicate_share": "Duplicate share",
    "dq_arrival_lateness": "Arrival lateness",
    "dq_source_freshness": "Source freshness",
    "dq_tracking_plan_conformance": "Tracking-plan conformance",
}
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
class ReportResult:
    path: Path
    verdict: str
    as_of: datetime | None
    charts: list[str]
    seconds: float


@dataclass
class ReportData:
    """Everything the page shows, read from the warehouse in one read-only session."""

    warehouse: Path
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)  # "schema.table" -> rows used
    missing: set[str] = field(default_factory=set)
    counts: dict[str, int] = field(default_factory=dict)
    vars: dict[str, tuple[Any, str]] = field(default_factory=dict)  # name -> (value, where from)

    def get(self, name: str) -> pd.DataFrame | None:
        return self.tables.get(name)


# --------------------------------------------------------------------------- reading

_QUERIES: dict[str, str] = {
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
    **extra.SECTION_QUERIES,
    **INCIDENT_QUERIES,
}
_COUNTED = ("marts.fct_events", "marts.event_quarantine", "marts.event_duplicates", "marts.stalled_users")


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
        for name, sql in _QUERIES.items():
            if name in existing:
                data.tables[name] = connection.execute(sql).df()
            else:
                data.missing.add(name)
        data.tables["dq_status"] = _dq_status(connection, existing)
        data.tables["dq_issues"] = _dq_issues(connection, existing)
        for name in _COUNTED:
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


def _dq_status(connection: duckdb.DuckDBPyConnection, existing: set[str]) -> pd.DataFrame:
    rows = []
    for name in _dq_tables(existing):
        columns = {row[0] for row in connection.execute(
            "select column_name from duckdb_columns() where schema_name = 'marts' and table_name = ?",
            [name.split(".", 1)[1]],
        ).fetchall()}
        if "status" not in columns:
            continue
        counts = dict(connection.execute(f"select status, count(*) from {name} group by status").fetchall())
        latest = connection.execute(f"select max(check_date) from {name}").fetchall()[0][0] if "check_date" in columns else None
        rows.append({"table": name.split(".", 1)[1], **{k: int(counts.get(k, 0)) for k in ("ok", "warn", "error", "not_judged")},
                     "latest": latest})
    return pd.DataFrame(rows, columns=["table", "ok", "warn", "error", "not_judged", "latest"])


def _dq_issues(connection: duckdb.DuckDBPyConnection, existing: set[str]) -> pd.DataFrame:
    parts = []
    for name in _dq_tables(existing):
        columns = {row[0] for row in connection.execute(
            "select column_name from duckdb_columns() where schema_name = 'marts' and table_name = ?",
            [name.split(".", 1)[1]],
        ).fetchall()}
        if {"status", "status_reason", "check_date"} <= columns:
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


#: The settings whose value the page writes in words, and the unit of each.
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


# --------------------------------------------------------------------------- formatting

def _pct(value: Any, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value):
        return "–"
    return f"{float(value) * 100:.{digits}f}%"


def _int(value: Any) -> str:
    if value is None or pd.isna(value):
        return "–"
    return f"{int(round(float(value))):,}"


def _num(value: Any, digits: int = 1) -> str:
    if value is None or pd.isna(value):
        return "–"
    return f"{float(value):,.{digits}f}"


def _money(value: Any) -> str:
    if value is None or pd.isna(value):
        return "–"
    value = float(value)
    if abs(value) >= 1e6:
        return f"{value / 1e6:,.2f} M"
    if abs(value) >= 1e4:
        return f"{value / 1e3:,.0f} k"
    return f"{value:,.0f}"


def _duration(minutes: float) -> str:
    if minutes < 60:
        return f"{minutes:.0f} min"
    if minutes < 48 * 60:
        return f"{minutes / 60:.1f} h"
    return f"{minutes / 1440:.1f} days"


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """JSON-ready rows: NaN/NaT become null, times ISO text, numpy scalars Python ones."""
    out = []
    for row in frame.to_dict(orient="records"):
        clean = {}
        for key, value in row.items():
            if value is None or (not isinstance(value, (str, bytes, list, dict)) and pd.isna(value)):
                clean[key] = None
            elif isinstance(value, (pd.Timestamp, datetime)):
                clean[key] = pd.Timestamp(value).isoformat()
            elif hasattr(value, "isoformat"):
                clean[key] = value.isoformat()
            elif hasattr(value, "item"):
                clean[key] = value.item()
            else:
                clean[key] = value
        out.append(clean)
    return out


def wilson_interval(successes: float, n: float, z: float = 1.959963984540054) -> tuple[float | None, float | None]:
    """Wilson 95% interval of a proportion (the project's rule, for the cohort bands)."""
    if not n:
        return None, None
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


# --------------------------------------------------------------------------- charts

def _alt():
    import altair as alt

    return alt


def _config(chart):
    return (
        chart.configure(font=FONT, background="transparent")
        .configure_view(strokeWidth=0)
        .configure_axis(labelColor="#475467", titleColor="#344054", gridColor="#eaecf0", domainColor="#d0d5dd",
                        tickColor="#d0d5dd", labelFontSize=11, titleFontSize=11, titleFontWeight="normal")
        .configure_legend(labelColor="#344054", titleColor="#344054", labelFontSize=11, titleFontSize=11,
                          titleFontWeight="normal", orient="top", labelLimit=400)
        .configure_title(fontSize=13, fontWeight=600, color=INK, anchor="start", subtitleColor="#667085",
                         subtitleFontSize=11)
        .configure_header(labelFontSize=12, labelColor=INK, titleFontSize=0)
    )


def _steps(data: ReportData) -> tuple[list[tuple[int, str]], str | None]:
    """The funnel steps (order, milestone) and the activation milestone's key."""
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


def _step_label(order: int, milestone: str) -> str:
    return f"{order}. {milestone.replace('_', ' ')}"


def chart_verdict(decision: pd.Series) -> dict[str, Any]:
    alt = _alt()
    defer, invest = float(decision["defer_threshold"]), float(decision["invest_threshold"])
    colour = VERDICT_STYLE.get(decision["verdict"], (INK, "", ""))[0]
    zones = alt.Data(values=[
        {"start": 0.0, "end": defer, "zone": "defer", "mid": defer / 2},
        {"start": defer, "end": invest, "zone": "investigate", "mid": (defer + invest) / 2},
        {"start": invest, "end": 1.0, "zone": "invest", "mid": (invest + 1) / 2},
    ])
    x = alt.X(
        "start:Q", scale=alt.Scale(domain=[0, 1], nice=False),
        axis=alt.Axis(format="%", title="post-connection drop rate (mature, in-scope, connected users)", tickCount=10),
    )
    zone_scale = alt.Scale(domain=list(ZONE_COLOURS), range=list(ZONE_COLOURS.values()))
    rects = alt.Chart(zones).mark_rect(opacity=0.13).encode(x=x, x2="end:Q", color=alt.Color("zone:N", scale=zone_scale, legend=None))
    zone_text = alt.Chart(zones).mark_text(baseline="top", dy=4, fontSize=11, fontWeight=600).encode(
        x="mid:Q", y=alt.value(0), text="zone:N", color=alt.Color("zone:N", scale=zone_scale, legend=None))
    thresholds = alt.Data(values=[
        {"x": defer, "label": f"defer below {defer:.0%}"}, {"x": invest, "label": f"invest above {invest:.0%}"},
    ])
    rules = alt.Chart(thresholds).mark_rule(strokeDash=[4, 3], color="#475467").encode(x="x:Q")
    rule_text = alt.Chart(thresholds).mark_text(align="left", dx=4, baseline="bottom", fontSize=10, color="#475467").encode(
        x="x:Q", y=alt.value(100), text="label:N")
    rate = decision["post_connection_drop_rate"]
    point_data = alt.Data(values=[{
        "rate": None if pd.isna(rate) else float(rate),
        "low": None if pd.isna(decision["drop_rate_ci_low"]) else float(decision["drop_rate_ci_low"]),
        "high": None if pd.isna(decision["drop_rate_ci_high"]) else float(decision["drop_rate_ci_high"]),
        "label": f"{_pct(rate)}  (95%: {_pct(decision['drop_rate_ci_low'])}–{_pct(decision['drop_rate_ci_high'])})",
        "users": int(decision["mature_connected_users"]), "dropped": int(decision["dropped_users"]),
    }])
    tooltip = [alt.Tooltip("rate:Q", format=".1%", title="drop rate"), alt.Tooltip("low:Q", format=".1%", title="95% low"),
               alt.Tooltip("high:Q", format=".1%", title="95% high"), alt.Tooltip("dropped:Q", title="dropped"),
               alt.Tooltip("users:Q", title="connected")]
    interval = alt.Chart(point_data).mark_rule(strokeWidth=4, color=colour).encode(x="low:Q", x2="high:Q", y=alt.value(58), tooltip=tooltip)
    caps = alt.Chart(point_data).transform_fold(["low", "high"]).mark_tick(thickness=3, size=18, color=colour, orient="vertical").encode(
        x="value:Q", y=alt.value(58))
    point = alt.Chart(point_data).mark_point(filled=True, size=220, color=colour, opacity=1).encode(x="rate:Q", y=alt.value(58), tooltip=tooltip)
    label = alt.Chart(point_data).mark_text(baseline="top", dy=14, fontSize=12, fontWeight=600, color=colour).encode(
        x="rate:Q", y=alt.value(58), text="label:N")
    chart = alt.layer(rects, zone_text, rules, rule_text, interval, caps, point, label).properties(width=990, height=100)
    return _config(chart).to_dict()


def chart_funnel(data: ReportData) -> dict[str, Any] | None:
    alt = _alt()
    funnel = data.get("marts.activation_funnel")
    if funnel is None or not len(funnel):
        return None
    low, high = (data.vars.get(n, ("?", ""))[0] for n in ("in_scope_min_employees", "in_scope_max_employees"))
    panels = [("overall", "overall", "Everyone"), ("scope", "in_scope", f"In scope ({low}–{high} employees)"),
              ("scope", "out_of_scope", "Out of scope")]
    charts = []
    for panel, (segment_type, value, title) in enumerate(panels):
        rows = funnel[(funnel["segment_type"] == segment_type) & (funnel["segment_value"] == value)].sort_values("step_order")
        if not len(rows):
            continue
        records = []
        for _, row in rows.iterrows():
            step = _step_label(int(row["step_order"]), row["milestone"])
            previous = "" if int(row["step_order"]) == 1 else f" · {_pct(row['rate_from_previous'], 0)} of previous"
            records.append({"step": step, "order": int(row["step_order"]), "kind": "mature (counted)",
                            "users": int(row["users_reached"]), "stack": 0})
            records.append({"step": step, "order": int(row["step_order"]), "kind": "in progress (window open)",
                            "users": int(row["users_in_progress"] or 0), "stack": 1})
            records[-2]["label"] = f"{int(row['users_reached']):,}{previous}"
            records[-2]["total"] = int(row["users_reached"]) + int(row["users_in_progress"] or 0)
            records[-2]["rate_from_previous"] = None if pd.isna(row["rate_from_previous"]) else float(row["rate_from_previous"])
            records[-2]["rate_from_start"] = None if pd.isna(row["rate_from_start"]) else float(row["rate_from_start"])
        top = max(r["total"] for r in records if r["stack"] == 0) or 1
        source = alt.Data(values=records)
        step_sort = list(dict.fromkeys(r["step"] for r in sorted(records, key=lambda r: r["order"])))
        axis = alt.Axis(labelFontSize=12, labelLimit=170) if panel == 0 else alt.Axis(labels=False, ticks=False, domain=False)
        y = alt.Y("step:N", sort=step_sort, title=None, axis=axis)
        bars = alt.Chart(source).mark_bar(height=26, cornerRadiusEnd=2).encode(
            y=y,
            x=alt.X("sum(users):Q", title="users", scale=alt.Scale(domain=[0, top * 1.9], nice=False), axis=alt.Axis(tickCount=4)),
            color=alt.Color("kind:N", scale=alt.Scale(domain=["mature (counted)", "in progress (window open)"], range=[BLUE, GREY_LIGHT]),
                            title=None),
            order=alt.Order("stack:Q"),
            tooltip=[alt.Tooltip("step:N"), alt.Tooltip("kind:N"), alt.Tooltip("users:Q", format=",")],
        )
        text = alt.Chart(source).transform_filter("datum.stack == 0").mark_text(align="left", dx=5, fontSize=11, color=INK).encode(
            y=y, x=alt.X("total:Q"), text="label:N")
        charts.append(alt.layer(bars, text).properties(width=230, height=len(rows) * 40, title=title))
    return _config(alt.hconcat(*charts, spacing=24)).to_dict()


def _segment_order(data: ReportData, segment_type: str, values: list[str], sizes: dict[str, int]) -> list[str]:
    if segment_type == "company_size_band":
        bands = data.get("seeds.company_size_bands")
        if bands is not None:
            order = list(bands["company_size_band"])
            return sorted(values, key=lambda v: order.index(v) if v in order else len(order))
    return sorted(values, key=lambda v: (-sizes.get(v, 0), v))


def chart_segments(data: ReportData, activation: str | None) -> dict[str, Any] | None:
    alt = _alt()
    funnel = data.get("marts.activation_funnel")
    if funnel is None or not len(funnel):
        return None
    charts = []
    for segment_type in ("company_size_band", "signup_channel", "data_source_type"):
        rows = funnel[(funnel["segment_type"] == segment_type) & (funnel["step_order"] > 1)]
        rows = rows[[extra.in_rate_panel(segment_type, value) for value in rows["segment_value"]]]
        if not len(rows):
            continue
        starts = funnel[(funnel["segment_type"] == segment_type) & (funnel["step_order"] == 1)]
        sizes = {v: int(u) for v, u in zip(starts["segment_value"], starts["users_reached"])}
        order = _segment_order(data, segment_type, sorted(set(rows["segment_value"])), sizes)
        labels = {v: f"{v}  (n={sizes.get(v, 0):,})" for v in order}
        records = []
        for _, row in rows.iterrows():
            previous_users = funnel[(funnel["segment_type"] == segment_type) & (funnel["segment_value"] == row["segment_value"])
                                    & (funnel["step_order"] == int(row["step_order"]) - 1)]["users_reached"]
            base = int(previous_users.iloc[0]) if len(previous_users) else None
            records.append({
                "segment": labels[row["segment_value"]], "rank": order.index(row["segment_value"]),
                "step": f"{row['milestone'].replace('_', ' ')} (of previous step)", "order": int(row["step_order"]),
                "rate": None if pd.isna(row["rate_from_previous"]) else float(row["rate_from_previous"]),
                "text": _pct(row["rate_from_previous"], 0), "users": int(row["users_reached"]), "base": base,
            })
        source = alt.Data(values=records)
        steps = [r["step"] for r in sorted(records, key=lambda r: r["order"])]
        steps = list(dict.fromkeys(steps))
        colour = alt.Color("step:N", scale=alt.Scale(domain=steps, range=[BLUE_LIGHT, BLUE, "#1d3a8a", "#6941c6"][: len(steps)]),
                           sort=steps, title=None)
        y = alt.Y("segment:N", sort=[labels[v] for v in order], title=None, axis=alt.Axis(labelLimit=170))
        encoding = dict(y=y, yOffset=alt.YOffset("step:N", sort=steps))
        bars = alt.Chart(source).mark_bar(cornerRadiusEnd=2).encode(
            x=alt.X("rate:Q", scale=alt.Scale(domain=[0, 1.12]), axis=alt.Axis(format="%", values=[0, 0.25, 0.5, 0.75, 1]), title="rate from previous step"),
            color=colour,
            tooltip=[alt.Tooltip("segment:N"), alt.Tooltip("step:N"), alt.Tooltip("rate:Q", format=".1%"),
                     alt.Tooltip("users:Q", title="users reached", format=","), alt.Tooltip("base:Q", title="of", format=",")],
            **encoding,
        )
        text = alt.Chart(source).mark_text(align="left", dx=3, fontSize=10, color="#344054").encode(
            x="rate:Q", text="text:N", **encoding)
        charts.append(alt.layer(bars, text).properties(
            width=185, height=alt.Step(11), title=SEGMENT_TITLES.get(segment_type, segment_type)))
    if not charts:
        return None
    return _config(alt.hconcat(*charts, spacing=30).resolve_scale(color="shared")).to_dict()


def chart_cohorts(data: ReportData, steps: list[tuple[int, str]], activation: str | None) -> tuple[dict[str, Any] | None, str]:
    alt = _alt()
    funnel = data.get("marts.activation_funnel")
    if funnel is None or not len(funnel) or activation is None:
        return None, ""
    weeks = funnel[funnel["segment_type"] == "signup_cohort_week"]
    target = weeks[weeks["milestone"] == activation]
    if not len(target):
        return None, ""
    order = int(target["step_order"].iloc[0])
    previous = weeks[weeks["step_order"] == order - 1].set_index("segment_value")["users_reached"]
    records, in_progress = [], 0
    for _, row in target.sort_values("segment_value").iterrows():
        base = int(previous.get(row["segment_value"], 0) or 0)
        low, high = wilson_interval(float(row["users_reached"]), base)
        if pd.isna(row["rate_from_previous"]):
            in_progress += 1
        records.append({
            "week": str(row["segment_value"]), "users": base, "activated": int(row["users_reached"]),
            "rate": None if pd.isna(row["rate_from_previous"]) else float(row["rate_from_previous"]),
            "low": low, "high": high, "in_progress": int(row["users_in_progress"] or 0),
        })
    source = alt.Data(values=records)
    x = alt.X("week:T", title="signup week (Monday, UTC)", axis=alt.Axis(format="%b %d", labelAngle=0, tickCount=8))
    bars = alt.Chart(source).mark_bar(color=GREY_LIGHT, width={"band": 0.8} if False else 14).encode(
        x=x, y=alt.Y("users:Q", title="users (bars)", axis=alt.Axis(orient="right", titleColor=GREY)),
        tooltip=[alt.Tooltip("week:T", format="%Y-%m-%d"), alt.Tooltip("users:Q", title="mature connected"),
                 alt.Tooltip("activated:Q", title="reached first value"), alt.Tooltip("rate:Q", format=".1%"),
                 alt.Tooltip("in_progress:Q", title="still in progress")])
    rate_axis = alt.Axis(format="%", titleColor=BLUE, orient="left")
    rate_title = f"reached {activation.replace('_', ' ')} (line)"
    rate_y = alt.Y("rate:Q", title=rate_title, scale=alt.Scale(domain=[0, 1]), axis=rate_axis)
    band = alt.Chart(source).transform_filter("datum.rate != null").mark_area(color=BLUE, opacity=0.12).encode(
        x=x, y=alt.Y("low:Q", title=rate_title, scale=alt.Scale(domain=[0, 1]), axis=rate_axis), y2="high:Q")
    line = alt.Chart(source).transform_filter("datum.rate != null").mark_line(color=BLUE, strokeWidth=2, point=alt.OverlayMarkDef(color=BLUE, size=40)).encode(
        x=x, y=rate_y, tooltip=[alt.Tooltip("week:T", format="%Y-%m-%d"), alt.Tooltip("rate:Q", format=".1%"),
                                alt.Tooltip("low:Q", format=".1%", title="95% low"), alt.Tooltip("high:Q", format=".1%", title="95% high"),
                                alt.Tooltip("users:Q", title="of connected")])
    chart = alt.layer(bars, alt.layer(band, line)).resolve_scale(y="independent").properties(width=380, height=250)
    rated = [r for r in records if r["rate"] is not None]
    note = f"{len(rated)} signup weeks with mature users"
    if in_progress:
        note += f"; the last {in_progress} week{'s are' if in_progress > 1 else ' is'} still in progress (window open) and not drawn"
    return _config(chart).to_dict(), note


def chart_ttfv(data: ReportData) -> tuple[dict[str, Any] | None, str]:
    alt = _alt()
    users = data.get(USERS)
    if users is None:
        return None, ""
    values = users[users["minutes_to_first_value"].notna()]
    if not len(values):
        return None, "No user has reached first value yet."
    records = []
    for index, (upper, label) in enumerate(TTFV_BINS):
        lower = TTFV_BINS[index - 1][0] if index else -math.inf
        inside = values[(values["minutes_to_first_value"] >= lower) & (values["minutes_to_first_value"] < upper)]
        for scope, part in (("in scope", inside[inside["is_in_scope"].astype(bool)]), ("out of scope", inside[~inside["is_in_scope"].astype(bool)])):
            records.append({"bin": label, "order": index, "scope": scope, "users": int(len(part))})
    while records and all(r["users"] == 0 for r in records[-2:]):  # drop empty open-ended tail
        records = records[:-2]
    source = alt.Data(values=records)
    x = alt.X("bin:N", sort=[label for _, label in TTFV_BINS], title="time from connecting to first value (bins widen)", axis=alt.Axis(labelAngle=-35))
    bars = alt.Chart(source).mark_bar().encode(
        x=x, y=alt.Y("sum(users):Q", title="users"),
        color=alt.Color("scope:N", scale=alt.Scale(domain=["in scope", "out of scope"], range=[BLUE, BLUE_LIGHT]), title=None),
        order=alt.Order("scope:N", sort="ascending"),
        tooltip=[alt.Tooltip("bin:N", title="time to first value"), alt.Tooltip("scope:N"), alt.Tooltip("users:Q")])
    totals = alt.Chart(source).mark_text(baseline="bottom", dy=-3, fontSize=10, color="#344054").encode(
        x=x, y=alt.Y("sum(users):Q"), text=alt.Text("sum(users):Q"))
    chart = alt.layer(bars, totals).properties(width=420, height=250)
    minutes = values["minutes_to_first_value"]
    quartiles = minutes.quantile([0.25, 0.5, 0.75])
    within_hour = float((minutes < 60).mean())
    note = (f"{len(values):,} users reached first value after connecting: median {_duration(quartiles[0.5])} "
            f"(half between {_duration(quartiles[0.25])} and {_duration(quartiles[0.75])}); "
            f"{within_hour:.0%} within the first hour.")
    return _config(chart).to_dict(), note


DRIVER_SIDES = {"above overall": BLUE, "within 3 pts of overall": "#a4b4e8", "below overall": "#f97066", "too few users": GREY_LIGHT}


def _driver_side(rate: Any, overall: float | None, users: int, min_users: int) -> str:
    if users < min_users:
        return "too few users"
    if overall is None or rate is None or pd.isna(rate):
        return "within 3 pts of overall"
    if abs(float(rate) - overall) <= 0.03:
        return "within 3 pts of overall"
    return "above overall" if float(rate) > overall else "below overall"


def _returned_within_return_window(data: ReportData) -> float | None:
    """Share of the in-scope dropped users whose return came within the return window (the
    semantic layer's returned_within_return_window_rate); None without dropped users."""
    users = data.get(USERS)
    if users is None or "returned_within_return_window" not in users.columns:
        return None
    dropped = users[users["is_in_scope"].astype(bool) & users["dropped_after_connection"].astype(bool)]
    if not len(dropped):
        return None
    return float(dropped["returned_within_return_window"].astype(bool).mean())


def chart_drivers(data: ReportData) -> dict[str, Any] | None:
    alt = _alt()
    drivers = data.get(DRIVERS)
    if drivers is None or not len(drivers):
        return None
    min_users = data.vars.get("min_driver_bucket_users", (10, ""))[0]
    try:
        min_users = int(min_users)
    except (TypeError, ValueError):
        min_users = 10
    ranked = drivers.sort_values(["driver_rank", "driver"]).drop_duplicates("driver")
    charts = []
    for _, head in ranked.iterrows():
        rows = drivers[drivers["driver"] == head["driver"]].sort_values("bucket_order")
        overall = float(rows["overall_activation_rate"].iloc[0]) if rows["overall_activation_rate"].notna().any() else None
        records = [{
            "bucket": r["bucket"], "order": int(r["bucket_order"]),
            "rate": None if pd.isna(r["activation_rate"]) else float(r["activation_rate"]),
            "users": int(r["connected_users"]), "activated": int(r["activated_users"]),
            "side": _driver_side(r["activation_rate"], overall, int(r["connected_users"]), min_users),
            "label": f"{_pct(r['activation_rate'], 0)} · n={int(r['connected_users']):,}",
        } for _, r in rows.iterrows()]
        source = alt.Data(values=records)
        y = alt.Y("bucket:N", sort=[r["bucket"] for r in records], title=None, axis=alt.Axis(labelLimit=150))
        bars = alt.Chart(source).mark_bar(cornerRadiusEnd=2, height=16).encode(
            y=y, x=alt.X("rate:Q", scale=alt.Scale(domain=[0, 1.25]), axis=alt.Axis(format="%", values=[0, 0.25, 0.5, 0.75, 1]), title="activation rate"),
            color=alt.Color("side:N", scale=alt.Scale(domain=list(DRIVER_SIDES), range=list(DRIVER_SIDES.values())), title=None),
            tooltip=[alt.Tooltip("bucket:N"), alt.Tooltip("rate:Q", format=".1%", title="activation rate"),
                     alt.Tooltip("activated:Q", title="activated"), alt.Tooltip("users:Q", title="connected users")])
        text = alt.Chart(source).mark_text(align="left", dx=4, fontSize=10, color="#344054").encode(y=y, x="rate:Q", text="label:N")
        layers = [bars, text]
        if overall is not None:
            layers.append(alt.Chart(alt.Data(values=[{"overall": overall}])).mark_rule(strokeDash=[4, 3], color=INK).encode(x="overall:Q"))
        spread = head["driver_spread"]
        title = alt.TitleParams(
            f"#{int(head['driver_rank'])} "
            + DRIVER_TITLES.get(head["driver"], head["driver"]).format(
                post_connection=setting_label(data, "post_connection_minutes")),
            subtitle=f"{head['driver']} · spread {_num(float(spread) * 100, 0) + ' pts' if not pd.isna(spread) else 'n/a'}")
        charts.append(alt.layer(*layers).properties(width=310, height=alt.Step(22), title=title))
    return _config(alt.concat(*charts, columns=2, spacing=36).resolve_scale(color="shared")).to_dict()


def chart_experiments(data: ReportData) -> dict[str, Any] | None:
    alt = _alt()
    experiments = data.get("marts.experiment_results")
    if experiments is None or not len(experiments):
        return None
    charts = []
    for flag, rows in experiments.groupby("flag_key", sort=True):
        rows = rows.sort_values(["is_control", "variant"], ascending=[False, True])
        records = [{
            "variant": r["variant"], "rank": i, "rate": None if pd.isna(r["activation_rate"]) else float(r["activation_rate"]),
            "low": None if pd.isna(r["activation_rate_ci_low"]) else float(r["activation_rate_ci_low"]),
            "high": None if pd.isna(r["activation_rate_ci_high"]) else float(r["activation_rate_ci_high"]),
            "users": int(r["exposed_users"]), "activated": int(r["activated_users"]),
            "role": "control" if bool(r["is_control"]) else "variant",
            "label": f"{_pct(r['activation_rate'])}  ({int(r['activated_users'])}/{int(r['exposed_users'])})",
        } for i, (_, r) in enumerate(rows.iterrows())]
        source = alt.Data(values=records)
        y = alt.Y("variant:N", sort=[r["variant"] for r in records], title=None)
        colour = alt.Color("role:N", scale=alt.Scale(domain=["control", "variant"], range=[GREY, BLUE]), legend=None)
        highs = [r["high"] for r in records if r["high"] is not None]
        upper = min(1.0, math.ceil((max(highs) + 0.08) * 10) / 10) if highs else 1.0
        x = alt.X("rate:Q", scale=alt.Scale(domain=[0, upper], nice=False), axis=alt.Axis(format="%"), title="activation rate, 95% interval")
        tooltip = [alt.Tooltip("variant:N"), alt.Tooltip("rate:Q", format=".1%"), alt.Tooltip("low:Q", format=".1%", title="95% low"),
                   alt.Tooltip("high:Q", format=".1%", title="95% high"), alt.Tooltip("activated:Q"), alt.Tooltip("users:Q", title="exposed")]
        bars = alt.Chart(source).mark_rule(strokeWidth=3).encode(y=y, x="low:Q", x2="high:Q", color=colour, tooltip=tooltip)
        points = alt.Chart(source).mark_point(filled=True, size=110, opacity=1).encode(y=y, x=x, color=colour, tooltip=tooltip)
        text = alt.Chart(source).mark_text(align="left", baseline="bottom", dy=-7, fontSize=10, color="#344054").encode(y=y, x="rate:Q", text="label:N")
        charts.append(alt.layer(bars, points, text).properties(width=380, height=alt.Step(44), title=flag))
    return _config(alt.concat(*charts, columns=2, spacing=40)).to_dict()


def p_value_text(p: float) -> str:
    """A p-value as a reader should see it: `p < 0.001` below a thousandth (never `p = 0.000`
    nor `p = 0.00`), three decimals below 0.01, else two."""
    if p < 0.001:
        return "p < 0.001"
    return f"p = {p:.3f}" if p < 0.01 else f"p = {p:.2f}"


def experiment_sentences(data: ReportData) -> list[str]:
    experiments = data.get("marts.experiment_results")
    if experiments is None or not len(experiments):
        return []
    sentences = []
    for flag, rows in experiments.groupby("flag_key", sort=True):
        control = rows[rows["is_control"].astype(bool)]
        excluded = int(rows["users_excluded_multiple_variants"].max()) if "users_excluded_multiple_variants" in rows else 0
        if not len(control):
            sentences.append(f"<b>{_esc(flag)}</b>: no control variant, so no comparison.")
            continue
        c = control.iloc[0]
        for _, row in rows[~rows["is_control"].astype(bool)].iterrows():
            diff, p = row["diff_vs_control"], row["p_value"]
            head = (f"<b>{_esc(flag)}</b>: <b>{_esc(row['variant'])}</b> activated {_pct(row['activation_rate'])} of "
                    f"{int(row['exposed_users']):,} users against {_pct(c['activation_rate'])} of {int(c['exposed_users']):,} "
                    f"for {_esc(c['variant'])}")
            if pd.isna(diff) or pd.isna(p):
                sentences.append(head + ": the test is undefined (an empty group or no variance).")
                continue
            points = f"{float(diff) * 100:+.1f} points"
            if p < 0.01:
                verdict = "a clear difference: chance alone would rarely produce it"
            elif p < 0.05:
                verdict = "a difference unlikely to be chance at the 5% level, though not overwhelming"
            elif p < 0.10:
                verdict = "a hint of a difference, not enough to act on at the 5% level"
            else:
                verdict = "no detectable difference: a gap this size is common by chance with these numbers"
            sentences.append(f"{head}: {points}, {p_value_text(float(p))} — {verdict}.")
        if excluded:
            sentences.append(f"<span class='muted'>{_esc(flag)}: {excluded} user{'s' if excluded != 1 else ''} who saw more than one variant "
                             "are left out of every variant.</span>")
    return sentences


def chart_data_health(data: ReportData) -> dict[str, Any] | None:
    alt = _alt()
    volume = data.get("marts.dq_event_volume")
    if volume is None or not len(volume):
        return None
    daily = volume.groupby("check_date", as_index=False)["events"].sum()
    daily["check_date"] = pd.to_datetime(daily["check_date"])
    daily = extra.from_first_active_day(daily, "check_date", "events")
    anomalies = volume[volume["is_anomaly"].fillna(False).astype(bool)].copy()
    anomalies["check_date"] = pd.to_datetime(anomalies["check_date"])
    anomalies["label"] = (
        anomalies["event_name"] + " " + anomalies["events"].astype(int).astype(str)
        + " vs ~" + anomalies["baseline_median"].round(0).astype(int).astype(str)
    )
    x = alt.X("check_date:T", title=None, axis=alt.Axis(format="%b %d", labelAngle=0))
    area = alt.Chart(alt.Data(values=_records(daily))).mark_area(color=BLUE, opacity=0.18, line={"color": BLUE, "strokeWidth": 1.5}).encode(
        x=x, y=alt.Y("events:Q", title="clean events per day"),
        tooltip=[alt.Tooltip("check_date:T", format="%Y-%m-%d", title="day"), alt.Tooltip("events:Q", format=",")])
    layers = [area]
    if len(anomalies):
        marks = alt.Data(values=_records(anomalies[["check_date", "event_name", "events", "baseline_median", "volume_score", "status", "label"]]))
        layers.append(alt.Chart(marks).mark_rule(color="#f04438", strokeWidth=2, strokeDash=[3, 2]).encode(
            x=x, tooltip=[alt.Tooltip("check_date:T", format="%Y-%m-%d", title="day"), alt.Tooltip("event_name:N", title="event"),
                          alt.Tooltip("events:Q"), alt.Tooltip("baseline_median:Q", title="usual (median)"),
                          alt.Tooltip("volume_score:Q", format=".1f", title="score"), alt.Tooltip("status:N")]))
        layers.append(alt.Chart(marks).mark_text(align="left", dx=4, dy=-4, baseline="top", fontSize=10, color="#b42318", angle=0).encode(
            x=x, y=alt.value(4), text="label:N"))
    chart = alt.layer(*layers).properties(width=930, height=150, title=alt.TitleParams(
        "Clean events per day", subtitle="red: a day whose volume of one event fell far below its trailing baseline (dq_event_volume)"))
    return _config(chart).to_dict()


# --------------------------------------------------------------------------- HTML sections

def _chart_div(name: str) -> str:
    return f"<div class='vl-chart' id='chart-{name}' data-chart='{name}'></div>"


def _no_experiments(data: ReportData) -> str:
    """Why the experiment section is empty: a built but empty mart means no exposures were
    loaded (raw.flag_exposures is optional), which is not the same as a missing mart."""
    if data.get("marts.experiment_results") is None:
        return _missing("marts.experiment_results")
    return ("<p class='missing'>No experiments to read out: <code>raw.flag_exposures</code> holds no "
            "feature-flag exposures, so <code>marts.experiment_results</code> is empty. It fills on the "
            "first build after exposures are loaded.</p>")


def section_funnel_table(data: ReportData) -> str:
    funnel = data.get("marts.activation_funnel")
    if funnel is None or not len(funnel):
        return ""
    rows = []
    frame = funnel.copy()
    type_order = list(SEGMENT_TITLES)
    frame["type_rank"] = frame["segment_type"].map(lambda t: type_order.index(t) if t in type_order else len(type_order))
    for _, r in frame.sort_values(["type_rank", "segment_value", "step_order"]).iterrows():
        rows.append([
            _esc(SEGMENT_TITLES.get(r["segment_type"], r["segment_type"])), _esc(r["segment_value"]),
            _esc(_step_label(int(r["step_order"]), r["milestone"])), _int(r["users_reached"]),
            _pct(r["rate_from_previous"]), _pct(r["rate_from_start"]), _int(r["users_in_progress"]),
            _int(r.get("users_dropped_here")),
        ])
    options = "".join(
        f"<option value='{_esc(SEGMENT_TITLES.get(t, t))}'>{_esc(SEGMENT_TITLES.get(t, t))}</option>"
        for t in sorted(set(frame["segment_type"]), key=lambda t: type_order.index(t) if t in type_order else 99)
    )
    table = _table(["segment", "value", "step", "users reached", "of previous", "of signups", "in progress", "dropped here"],
                   rows, numeric={3, 4, 5, 6, 7}, cls="segment-table")
    return (
        "<details class='table-details'><summary>Every segment's funnel as a table</summary>"
        f"<label class='picker'>Show <select id='segment-picker'><option value=''>all segments</option>{options}</select></label>"
        f"{table}</details>"
    )


def section_opportunity(data: ReportData) -> str:
    opportunity = data.get("marts.activation_opportunity")
    if opportunity is None:
        return _missing("marts.activation_opportunity")
    if not len(opportunity):
        return "<p class='muted'>No mature in-scope accounts yet: nothing to size.</p>"
    lifts = sorted(opportunity["relative_lift"].unique())
    descriptions = dict(zip(opportunity["relative_lift"], opportunity.get("lift_description", [""] * len(opportunity))))
    sort_cols = ["band_order"] if "band_order" in opportunity.columns else ["company_size_band"]
    bands = opportunity.drop_duplicates("company_size_band").sort_values(sort_cols)
    headers = ["size band", "mature accounts", "connected", "activated"] + [
        f"+{lift:.0%} lift<br><span class='muted small'>{_esc(descriptions.get(lift) or '')}</span>" for lift in lifts]
    rows, any_capped = [], False
    for _, band in bands.iterrows():
        cells = [f"<b>{_esc(band['company_size_band'])}</b>", _int(band["mature_accounts"]), _int(band["connected_accounts"]), _int(band["activated_accounts"])]
        for lift in lifts:
            hit = opportunity[(opportunity["company_size_band"] == band["company_size_band"]) & (opportunity["relative_lift"] == lift)]
            if len(hit):
                h = hit.iloc[0]
                capped = extra.is_capped(h["extra_activated_accounts"], band["connected_accounts"], band["activated_accounts"], lift)
                any_capped = any_capped or capped
                cells.append(extra.money_cell(_money, h["extra_annual_revenue"], _num(h["extra_activated_accounts"]), capped))
            else:
                cells.append("–")
        rows.append(cells)
    total = [
        "<b>all in-scope bands</b>", _int(bands["mature_accounts"].sum()),
        _int(bands["connected_accounts"].sum()), _int(bands["activated_accounts"].sum()),
    ]
    for lift in lifts:
        hit = opportunity[opportunity["relative_lift"] == lift]
        total.append(f"<b>{_money(hit['extra_annual_revenue'].sum(min_count=1))}</b> / yr<br>"
                     f"<span class='muted small'>+{_num(hit['extra_activated_accounts'].sum())} accounts</span>")
    rows.append(total)
    first = opportunity.iloc[0]
    note = (f"Extra activated accounts = min(activated × lift, connected − activated); revenue = extra × "
            f"activated-to-paid rate {_pct(first.get('activated_to_paid_rate'), 0)} × the band's annual contract value "
            f"(seed company_size_bands, in its currency), scaled to a year of signups "
            f"(× {_num(first.get('signups_per_year_factor'), 2)}: the mature signups span {_num(first.get('signup_span_days'), 0)} days).")
    if any_capped:
        note += " " + extra.CAPPED_NOTE
    return _table(headers, rows, numeric=set(range(1, 4 + len(lifts))), cls="opportunity") + f"<p class='note'>{note}</p>"


def section_data_health(data: ReportData) -> tuple[str, dict[str, Any] | None]:
    tiles = []
    coverage = data.get("marts.dq_tracking_coverage")
    if coverage is not None and len(coverage):
        lines = []
        for (table, event), rows in coverage.groupby(["table_name", "event_name"], sort=True):
            share = rows["tracked_rows"].sum() / rows["app_rows"].sum() if rows["app_rows"].sum() else float("nan")
            bad = int(rows["status"].isin(["warn", "error"]).sum())
            lines.append(f"<div class='tile-line'><span>{_esc(table)} → <code>{_esc(event)}</code></span><b>{_pct(share)}</b></div>"
                         f"<div class='tile-sub'>{int(rows['tracked_rows'].sum()):,} of {int(rows['app_rows'].sum()):,} rows tracked"
                         f"{f'; {bad} day(s) flagged' if bad else ''}</div>")
        worst = _worst(coverage["status"])
        tiles.append(_tile("Tracking coverage", worst, "".join(lines)))
    else:
        tiles.append(_tile("Tracking coverage", "missing", _missing("marts.dq_tracking_coverage")))
    volume = data.get("marts.dq_event_volume")
    if volume is not None and len(volume):
        anomalies = volume[volume["is_anomaly"].fillna(False).astype(bool)].sort_values("check_date", ascending=False)
        judged = int((volume["status"] != "not_judged").sum())
        body = f"<div class='tile-big'>{len(anomalies)}</div><div class='tile-sub'>anomalous day × event pairs of {judged:,} judged</div>"
        for _, a in anomalies.head(4).iterrows():
            body += (f"<div class='tile-sub'><b>{pd.Timestamp(a['check_date']):%Y-%m-%d}</b> <code>{_esc(a['event_name'])}</code>: "
                     f"{int(a['events'])} vs usual {_num(a['baseline_median'], 0)}</div>")
        tiles.append(_tile("Volume anomalies", _worst(volume["status"]), body))
    else:
        tiles.append(_tile("Volume anomalies", "missing", _missing("marts.dq_event_volume")))
    quarantine = data.get("marts.dq_quarantine_share")
    counts = data.counts
    if {"marts.fct_events", "marts.event_quarantine"} <= set(counts):
        raw = counts["marts.fct_events"] + counts["marts.event_quarantine"] + counts.get("marts.event_duplicates", 0)
        share = counts["marts.event_quarantine"] / raw if raw else float("nan")
        body = (f"<div class='tile-big'>{_pct(share, 2)}</div><div class='tile-sub'>{counts['marts.event_quarantine']:,} of {raw:,} raw events "
                f"quarantined; {counts.get('marts.event_duplicates', 0):,} duplicates dropped</div>")
        status = "ok"
        if quarantine is not None and len(quarantine):
            status = _worst(quarantine["status"])
            reasons = quarantine.groupby("reason")["quarantined_rows"].sum().sort_values(ascending=False)
            body += "".join(f"<div class='tile-line small'><span><code>{_esc(r)}</code></span><span>{int(n):,}</span></div>" for r, n in reasons.items() if n)
        else:
            body += _missing("marts.dq_quarantine_share")
        tiles.append(_tile("Quarantine share", status, body))
    else:
        tiles.append(_tile("Quarantine share", "missing", _missing("marts.dq_quarantine_share")))
    status = data.get("dq_status")
    checks = ""
    if status is not None and len(status):
        rows = [[_esc(DQ_TITLES.get(r["table"], r["table"])) + f" <code class='small'>{_esc(r['table'])}</code>",
                 _badge(_worst_from_counts(r)), _int(r["ok"]), _int(r["warn"]), _int(r["error"]), _int(r["not_judged"]),
                 _esc(f"{pd.Timestamp(r['latest']):%Y-%m-%d}" if r["latest"] is not None and not pd.isna(r["latest"]) else "–")]
                for _, r in status.iterrows()]
        checks = _table(["check", "status", "ok", "warn", "error", "not judged", "latest day"], rows, numeric={2, 3, 4, 5}, cls="dq nowrap-last")
    else:
        checks = "<p class='missing'>No data-quality marts (<code>marts.dq_*</code>) in this warehouse yet.</p>"
    issues = data.get("dq_issues")
    issue_html = ""
    if issues is not None and len(issues):
        issue_rows = [[_badge(r["status"]), _esc(f"{pd.Timestamp(r['check_date']):%Y-%m-%d}" if not pd.isna(r["check_date"]) else ""),
                       f"<code>{_esc(r['dq_table'])}</code>", _esc(r["status_reason"])] for _, r in issues.iterrows()]
        issue_html = ("<h3>Findings (warn and error, latest first)</h3>"
                      + _table(["status", "day", "check", "finding"], issue_rows, cls="issues nowrap-2"))
    chart = chart_data_health(data)
    incidents = incidents_block(data.get(INCIDENTS), data.get(ACKNOWLEDGEMENTS))
    if data.get(INCIDENTS) is not None:
        # The incident block lists the same breaches, split by what the build does with them.
        issue_html = ""
    html_out = (f"<div class='tiles'>{''.join(tiles)}</div>"
                + (_chart_div("data_health") if chart else "")
                + incidents + "<h3>Every check</h3>" + checks + issue_html)
    return html_out, chart


def _worst(statuses: pd.Series) -> str:
    values = set(statuses.dropna())
    for status in ("error", "warn", "ok"):
        if status in values:
            return status
    return "not_judged" if values else "missing"


def _worst_from_counts(row: pd.Series) -> str:
    for status in ("error", "warn", "ok"):
        if row[status]:
            return status
    return "not_judged"


def _badge(status: str) -> str:
    return f"<span class='badge badge-{_esc(status)}'>{_esc(status.replace('_', ' '))}</span>"


def _tile(title: str, status: str, body: str) -> str:
    return f"<div class='tile tile-{_esc(status)}'><div class='tile-head'><span>{_esc(title)}</span>{_badge(status)}</div>{body}</div>"


def section_definition(data: ReportData) -> str:
    milestones = data.get("seeds.milestones")
    events = data.get("seeds.milestone_events")
    parts = []
    if milestones is not None and len(milestones):
        by_key: dict[str, list[str]] = {}
        if events is not None:
            for key, name in zip(events["milestone_key"], events["event_name"]):
                by_key.setdefault(key, []).append(name)
        rows = []
        for _, m in milestones.iterrows():
            reached = ", ".join(f"<code>{_esc(e)}</code>" for e in by_key.get(m["milestone_key"], []))
            if not reached and m.get("milestone_role") == "signup":
                reached = "<code>raw.users.created_at</code>"
            required = int(m["required_count"]) if not pd.isna(m["required_count"]) else 1
            rows.append([
                _esc(int(m["milestone_order"])), f"<b>{_esc(m['milestone_key'])}</b>",
                (f"{required}× " if required > 1 else "") + (reached or "–"), _esc(m["applies_to_size_bands"]),
                "yes" if bool(m["is_funnel_step"]) else "no (checklist only)",
                _esc(m.get("milestone_role") if not pd.isna(m.get("milestone_role")) else ""), _esc(m.get("description", "")),
            ])
        milestone_headers = ["#", "milestone", "reached by", "applies to", "funnel step", "role", "what it means"]
        parts.append("<h3>Milestones</h3>" + _table(milestone_headers, rows, cls="definition"))
    else:
        parts.append(_missing("seeds.milestones"))
    cells = []
    for name in VARS_SHOWN:
        if name in data.vars:
            value, origin = data.vars[name]
            cells.append([f"<code>{_esc(name)}</code>", f"<b>{_esc(value if value is not None else 'null')}</b>",
                          f"<span class='muted small'>{_esc(origin)}</span>"])
    half = (len(cells) + 1) // 2
    var_rows = [left + (cells[half + i] if half + i < len(cells) else ["", "", ""]) for i, left in enumerate(cells[:half])]
    parts.append("<h3>Vars in force</h3>" + _table(["var", "value", "from", "var", "value", "from"], var_rows, cls="vars"))
    return "".join(parts)


# --------------------------------------------------------------------------- page

CSS = """
:root { --ink:#101828; --muted:#667085; --line:#eaecf0; --bg:#f7f8fa; --card:#fff; --accent:%(accent)s; --accent-bg:%(accent_bg)s; }
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); color:var(--ink); font-family:%(font)s; font-size:14px; line-height:1.5; }
main { max-width:1120px; margin:0 auto; padding:24px 24px 48px; }
header.verdict { background:var(--card); border:1px solid var(--line); border-top:6px solid var(--accent); border-radius:10px; padding:24px 28px 16px; }
.eyebrow { color:var(--muted); font-size:12px; letter-spacing:.04em; text-transform:uppercase; }
h1 { margin:6px 0 4px; font-size:38px; line-height:1.15; letter-spacing:-.01em; }
h1 .word { color:var(--accent); text-transform:uppercase; font-weight:800; letter-spacing:.02em; }
h1 .rest { font-weight:600; font-size:24px; color:var(--ink); display:block; margin-top:4px; }
.reason { font-size:16px; margin:8px 0 14px; color:#344054; }
.kpis { display:grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap:10px; margin:8px 0 12px; }
.kpi { background:var(--bg); border-radius:8px; padding:10px 14px; }
.kpi b { display:block; font-size:22px; color:var(--ink); }
.kpi.accent b { color:var(--accent); }
.kpi span { color:var(--muted); font-size:12px; }
nav { margin:14px 0 6px; display:flex; flex-wrap:wrap; gap:6px 14px; font-size:13px; }
nav a { color:#3e63dd; text-decoration:none; }
section { background:var(--card); border:1px solid var(--line); border-radius:10px; padding:20px 24px; margin-top:18px; }
section h2 { margin:0 0 4px; font-size:19px; }
section h3 { margin:18px 0 6px; font-size:14px; }
.lede { color:#475467; margin:0 0 14px; max-width:900px; }
.note, .muted { color:var(--muted); }
.note { font-size:12.5px; margin:8px 0 0; }
.small { font-size:11.5px; }
.two { display:grid; grid-template-columns: 1fr 1fr; gap:24px; align-items:start; }
.two > div { min-width:0; }
.vl-chart { margin:6px 0; min-height:60px; }
table { border-collapse:collapse; width:100%%; font-size:13px; margin-top:6px; }
th, td { text-align:left; padding:6px 10px; border-bottom:1px solid var(--line); vertical-align:top; }
th { color:#475467; font-weight:600; font-size:12px; background:#fafbfc; }
td.num, th.num { text-align:right; font-variant-numeric: tabular-nums; }
tbody tr:hover { background:#f9fafb; }
table.issues td:nth-child(-n+2), table.dq td:last-child { white-space:nowrap; }
table.vars td:nth-child(3n+1) { white-space:nowrap; } table.vars td:nth-child(3) { border-right:1px solid var(--line); }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size:12px; background:#f2f4f7; padding:1px 4px; border-radius:4px; }
.sentences { margin:8px 0 0; padding-left:18px; }
.sentences li { margin:4px 0; }
details.table-details { margin-top:10px; }
details summary { cursor:pointer; color:#3e63dd; }
.picker { display:block; margin:8px 0; color:var(--muted); }
.tiles { display:grid; grid-template-columns: repeat(3, 1fr); gap:14px; margin-bottom:10px; }
.tile { border:1px solid var(--line); border-left:4px solid #d0d5dd; border-radius:8px; padding:12px 14px; }
.tile-ok { border-left-color:#12b76a; } .tile-warn { border-left-color:#f79009; }
.tile-error { border-left-color:#f04438; } .tile-missing { border-left-color:#98a2b3; }
.tile-head { display:flex; justify-content:space-between; align-items:center; font-weight:600; margin-bottom:6px; }
.tile-big { font-size:26px; font-weight:700; }
.tile-line { display:flex; justify-content:space-between; gap:8px; }
.tile-sub { color:var(--muted); font-size:12px; margin-bottom:4px; }
.badge { display:inline-block; font-size:11px; font-weight:600; padding:1px 8px; border-radius:10px; background:#f2f4f7; color:#344054; white-space:nowrap; }
.badge-ok { background:#ecfdf3; color:#067647; } .badge-warn { background:#fffaeb; color:#b54708; } .badge-error { background:#fef3f2; color:#b42318; }
.missing { color:#b54708; background:#fffaeb; padding:6px 10px; border-radius:6px; font-size:12.5px; }
footer { margin-top:18px; background:var(--card); border:1px solid var(--line); border-radius:10px; padding:20px 24px; }
footer h2 { font-size:16px; margin:0 0 6px; }
.asof { font-size:15px; margin:0 0 10px; }
noscript div { background:#fffaeb; padding:10px; border-radius:6px; margin:10px 0; }
@media print { body { background:#fff; } section, header.verdict, footer { break-inside: avoid; } }
"""

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="activation_warehouse.report">
<title>Activation report: {verdict_word} · as of {as_of}</title>
<style>{css}</style>
</head>
<body>
<main>
{body}
</main>
<script type="text/javascript">
/* Vega, Vega-Lite and vega-embed (vega-lite {vl_version}), embedded so the page needs no network. */
{bundle}
</script>
<script type="text/javascript">
(function () {{
  var specs = {specs};
  Object.keys(specs).forEach(function (name) {{
    var el = document.getElementById("chart-" + name);
    if (!el) return;
    vegaEmbed(el, specs[name], {{actions: false, renderer: "svg"}}).catch(function (error) {{
      el.setAttribute("data-chart-error", String(error));
      el.textContent = "This chart could not be drawn: " + error;
    }});
  }});
  var picker = document.getElementById("segment-picker");
  if (picker) picker.addEventListener("change", function () {{
    var rows = document.querySelectorAll("table.segment-table tbody tr");
    for (var i = 0; i < rows.length; i++) {{
      rows[i].style.display = (!picker.value || rows[i].cells[0].textContent === picker.value) ? "" : "none";
    }}
  }});
}})();
</script>
</body>
</html>
"""


def _script_safe(text: str) -> str:
    """Text placed inside a <script> element must not close it."""
    return text.replace("</script", "<\\/script").replace("</SCRIPT", "<\\/SCRIPT").replace("<!--", "<\\!--")


def _vega_bundle() -> tuple[str, str]:
    try:
        import vl_convert
        from altair.utils._importers import vl_version_for_vl_convert
    except ImportError as error:  # pragma: no cover - a pinned requirement
        raise ReportError("vl-convert-python is needed to embed the chart library: pip install -r requirements.txt") from error
    version = vl_version_for_vl_convert()
    return vl_convert.javascript_bundle(vl_version=version), version


def render_html(data: ReportData, generated_at: datetime | None = None) -> tuple[str, list[str], str, datetime | None]:
    """The page's HTML, the chart names embedded, the verdict and the as-of time."""
    generated_at = generated_at or datetime.now(timezone.utc)
    decision_frame = data.get("marts.activation_decision")
    if decision_frame is None or not len(decision_frame):
        raise ReportError("marts.activation_decision is empty: the build did not finish")
    decision = decision_frame.iloc[0]
    verdict = str(decision["verdict"])
    colour, background, headline = VERDICT_STYLE.get(verdict, (INK, "#f2f4f7", verdict))
    as_of = None if pd.isna(decision["as_of"]) else pd.Timestamp(decision["as_of"]).to_pydatetime()
    as_of_text = f"{as_of:%Y-%m-%d %H:%M} UTC" if as_of else "unknown"
    steps, activation = _steps(data)

    specs: dict[str, dict[str, Any]] = {"verdict": chart_verdict(decision)}
    word, _, rest = headline.partition(": ")
    stalled = data.counts.get("marts.stalled_users")
    kpis = [
        ("accent", _pct(decision["post_connection_drop_rate"]), "drop rate after connecting"),
        ("", f"{_pct(decision['drop_rate_ci_low'])}–{_pct(decision['drop_rate_ci_high'])}", "95% interval (Wilson)"),
        ("", f"{int(decision['dropped_users']):,} / {int(decision['mature_connected_users']):,}", "dropped / mature in-scope connected users"),
        ("", f"{_pct(decision['defer_threshold'], 0)} · {_pct(decision['invest_threshold'], 0)}", "defer below · invest above"),
    ]
    returned = _returned_within_return_window(data)
    if returned is not None:
        kpis.append(("", _pct(returned), f"of the in-scope dropped back within {setting_label(data, 'return_window_days')}"))
    if stalled is not None:
        kpis.append(("", f"{stalled:,}", "stalled now (marts.stalled_users)"))
    header = (
        f"<header class='verdict'><div class='eyebrow'>Activation report · as of {_esc(as_of_text)}</div>"
        f"<h1><span class='word'>{_esc(word)}</span><span class='rest'>{_esc(rest)}</span></h1>"
        f"<p class='reason'>{_esc(decision['verdict_reason'])}</p>"
        "<div class='kpis'>" + "".join(f"<div class='kpi {c}'><b>{_esc(v)}</b><span>{_esc(t)}</span></div>" for c, v, t in kpis) + "</div>"
        + _chart_div("verdict")
        + "<noscript><div>The charts need JavaScript (embedded in this file, no network needed). The numbers and tables below read without it.</div></noscript>"
        + "</header>"
    )
    nav = ("<nav>" + "".join(f"<a href='#{a}'>{t}</a>" for a, t in [
        ("funnel", "Funnel"), ("cohorts", "Cohorts & time to value"), ("returns", "Drop-offs"),
        ("time-to-action", "Time to next action"), ("drivers", "Drivers"), ("experiments", "Experiments"),
        ("opportunity", "Opportunity"), ("stalled", "Stalled users"), ("data-health", "Data health"),
        ("definition", "Definition")]) + "</nav>")

    sections = []
    funnel_spec, segments_spec = chart_funnel(data), chart_segments(data, activation)
    body = ""
    if funnel_spec:
        specs["funnel"] = funnel_spec
        body += _chart_div("funnel")
    if segments_spec:
        specs["segments"] = segments_spec
        body += "<h3>Per segment: each step's rate from the previous step</h3>" + _chart_div("segments")
        not_connected = extra.not_connected_note(data.get("marts.activation_funnel"))
        body += f"<p class='note'>{not_connected}</p>" if not_connected else ""
    body += section_funnel_table(data)
    sections.append(("funnel", "The funnel",
                     "Mature users only (their window has closed); younger users are in progress, drawn light grey, never counted as dropped.",
                     body or _missing("marts.activation_funnel")))

    cohort_spec, cohort_note = chart_cohorts(data, steps, activation)
    ttfv_spec, ttfv_note = chart_ttfv(data)
    left = "<h3>Cohort trend by signup week</h3>"
    left += (_chart_div("cohorts") + f"<p class='note'>Line: share of mature connected users who reached "
             f"{_esc((activation or 'first value').replace('_', ' '))}, with its 95% interval (band); bars: how many users each week holds. "
             f"{_esc(cohort_note)}.</p>") if cohort_spec else _missing("marts.activation_funnel (signup_cohort_week)")
    right = "<h3>Time from connecting to first value</h3>"
    right += (_chart_div("ttfv") + f"<p class='note'>{_esc(ttfv_note)}</p>") if ttfv_spec else (
        f"<p class='muted'>{_esc(ttfv_note)}</p>" if ttfv_note else _missing(USERS))
    if cohort_spec:
        specs["cohorts"] = cohort_spec
    if ttfv_spec:
        specs["ttfv"] = ttfv_spec
    sections.append(("cohorts", "Cohorts and time to value", "", f"<div class='two'><div>{left}</div><div>{right}</div></div>"))
    sections.append(("returns", "Do drop-offs come back?",
                     "Mature connected users who never reached first value: did they start another session after connecting?",
                     extra.section_drop_off_returns(data.get(USERS), USERS, setting_label(data, "return_window_days"))))
    sections.append(("time-to-action", "Time to next action",
                     "How soon users act again after connecting, activated against dropped, overall and by data source.",
                     extra.section_time_to_action(data.get(extra.TIME_TO_ACTION))))

    drivers_spec = chart_drivers(data)
    if drivers_spec:
        specs["drivers"] = drivers_spec
    drivers = data.get(DRIVERS)
    overall = None if drivers is None or not len(drivers) else drivers["overall_activation_rate"].iloc[0]
    sections.append(("drivers", "What goes with activating after connecting: drivers ranked by spread",
                     f"Mature, in-scope, connected users, by what happened between connecting and the earlier of "
                     f"{setting_label(data, 'post_connection_minutes')} later and first value. "
                     f"Dashed line: the overall activation rate ({_pct(overall)}). Spread = best minus worst bucket with enough users "
                     f"(grey buckets have fewer than {data.vars.get('min_driver_bucket_users', (10, ''))[0]} users and do not count). "
                     "These are associations, not proof of cause.",
                     _chart_div("drivers") if drivers_spec else _missing(DRIVERS)))

    experiments_spec = chart_experiments(data)
    if experiments_spec:
        specs["experiments"] = experiments_spec
    sentences = experiment_sentences(data)
    sections.append(("experiments", "Experiments",
                     "Mature users first exposed after signup, within the window and before first value; each variant against control "
                     "with a two-sided two-proportion z-test.",
                     (_chart_div("experiments") + "<ul class='sentences'>" + "".join(f"<li>{s}</li>" for s in sentences) + "</ul>")
                     if experiments_spec else _no_experiments(data)))

    sections.append(("opportunity", "Opportunity: what a lift in post-connection activation is worth",
                     "Mature in-scope accounts per size band, for each relative lift in activated accounts.", section_opportunity(data)))
    stall_days = data.vars.get("stall_days", (None, ""))[0]
    sections.append(("stalled", "Stalled users to nudge",
                     "Connected, not yet activated, window still open, and quiet: the people a nudge can still reach.",
                     extra.section_stalled_users(data.get(extra.STALLED_USERS), data.warehouse, extra.days_text(stall_days))))

    health_html, health_spec = section_data_health(data)
    if health_spec:
        specs["data_health"] = health_spec
    sections.append(("data-health", "Data health",
                     "Can these numbers be trusted? The data-quality marts judge every day of the raw data; details in marts.dq_*.",
                     health_html))

    section_html = "".join(
        f"<section id='{sid}'><h2>{_esc(title)}</h2>" + (f"<p class='lede'>{_esc(lede)}</p>" if lede else "") + content + "</section>"
        for sid, title, lede, content in sections
    )
    footer = (
        "<footer id='definition'><h2>The activation definition in force</h2>"
        f"<p class='asof'>As of <b>{_esc(as_of_text)}</b> (every metric ignores later events and signups). "
        f"Report generated {generated_at:%Y-%m-%d %H:%M} UTC from <code>{_esc(data.warehouse)}</code>.</p>"
        "<p class='note'>A milestone counts when reached within the activation window of signup, at or after the previous one; "
        "a user is activated on reaching the <i>activation</i> milestone. Only mature users (signup + window ≤ as-of) count toward a rate. "
        "The milestones come from the seeds <code>milestones</code> and <code>milestone_events</code>; the vars from "
        "<code>marts.activation_settings</code>, the values the build ran with.</p>"
        + section_definition(data) + "</footer>"
    )
    bundle, vl_version = _vega_bundle()
    page = PAGE.format(
        verdict_word=_esc(word), as_of=_esc(as_of_text),
        css=CSS % {"accent": colour, "accent_bg": background, "font": FONT},
        body=header + nav + section_html + footer,
        vl_version=_esc(vl_version), bundle=_script_safe(bundle),
        specs=_script_safe(json.dumps(specs, separators=(",", ":"), allow_nan=False, default=str)),
    )
    return page, list(specs), verdict, as_of


def write_report(warehouse: Path, out: Path = DEFAULT_REPORT_PATH) -> ReportResult:
    """Read the warehouse (read-only, closed again), write the report atomically, return where.
    The definition in force comes from marts.activation_settings, which the build wrote."""
    started = time.perf_counter()
    data = read_report_data(Path(warehouse))
    page, charts, verdict, as_of = render_html(data)
    out = Path(out).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    staged = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    staged.write_text(page, encoding="utf-8")
    os.replace(staged, out)
    return ReportResult(path=out, verdict=verdict, as_of=as_of, charts=charts, seconds=time.perf_counter() - started)
