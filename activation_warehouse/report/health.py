"""The report's data-health section: can these numbers be trusted?

Tiles for tracking coverage, volume anomalies and the quarantine share, the incident
block (incidents.py), every dq_ check's status, and its findings when no incident mart
exists. The judgements (ok / warn / error) are the dq_ marts' own; this module only picks
the worst status of a tile and adds up a few counts across days (see each tile).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from activation_warehouse.report.charts_evidence import chart_data_health
from activation_warehouse.report.data import ReportData
from activation_warehouse.report.format import badge as _badge, chart_div as _chart_div, esc as _esc, missing as _missing
from activation_warehouse.report.format import num as _num, pct as _pct, table as _table, whole as _int
from activation_warehouse.report.incidents import ACKNOWLEDGEMENTS, INCIDENTS, incidents_block

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


def section_data_health(data: ReportData) -> tuple[str, dict[str, Any] | None]:
    """The section's HTML and its chart of events per day (None when dq_event_volume is missing).

    Two tiles add up across days on purpose: tracking coverage per table and event over
    the whole history (dq_tracking_coverage judges each day; the tile shows the total
    behind those judgements), and the quarantine share of every raw event ever loaded
    (the row counts of fct_events, event_quarantine and event_duplicates; dq_quarantine_share
    judges each day). No mart holds these all-time totals."""
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
    """A tile's status: the worst its mart's rows have."""
    values = set(statuses.dropna())
    for status in ("error", "warn", "ok"):
        if status in values:
            return status
    return "not_judged" if values else "missing"


def _worst_from_counts(row: pd.Series) -> str:
    """A check's status from its counts per status (data._dq_status)."""
    for status in ("error", "warn", "ok"):
        if row[status]:
            return status
    return "not_judged"


def _tile(title: str, status: str, body: str) -> str:
    """One tile of the panel, its border in its status's colour."""
    return f"<div class='tile tile-{_esc(status)}'><div class='tile-head'><span>{_esc(title)}</span>{_badge(status)}</div>{body}</div>"

