"""The report's charts of evidence: what goes with activating (the drivers), what the
experiments show, and whether the data can be trusted (events per day and their anomalies).

Why apart from charts.py: these read other marts (activation_drivers,
experiment_results, dq_event_volume) and keep charts.py, the charts of who activates,
short. Every number drawn is the mart's own (activation rates, spreads, Wilson
intervals, baselines); a chart only arranges rows and names which side of the overall
rate a bucket falls on.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from activation_warehouse.report.charts import BLUE, GREY, GREY_LIGHT, INK, alt_module, configured
from activation_warehouse.report.data import DRIVERS, ReportData, setting_label
from activation_warehouse.report.format import num as _num, pct as _pct, records as _records

#: Human titles of the drivers (activation_drivers.driver); unknown drivers show their key.
#: `{post_connection}` is filled with the post-connection window in force (setting_label).
DRIVER_TITLES = {
    "data_ready": "Time until the data was ready",
    "sync_error": "First sync error",
    "empty_state_post_connection": "Saw an empty state (first {post_connection})",
    "template_gallery_post_connection": "Viewed the template gallery (first {post_connection})",
    "connecting_session_minutes": "Length of the connecting session",
}

DRIVER_SIDES = {"above overall": BLUE, "within 3 pts of overall": "#a4b4e8", "below overall": "#f97066", "too few users": GREY_LIGHT}


def _driver_side(rate: Any, overall: float | None, users: int, min_users: int) -> str:
    """Which colour a bucket gets: too small to count, within 3 points of the overall rate,
    above or below it. A reading aid only; the rates are activation_drivers'."""
    if users < min_users:
        return "too few users"
    if overall is None or rate is None or pd.isna(rate):
        return "within 3 pts of overall"
    if abs(float(rate) - overall) <= 0.03:
        return "within 3 pts of overall"
    return "above overall" if float(rate) > overall else "below overall"



def chart_drivers(data: ReportData) -> dict[str, Any] | None:
    """Each driver's buckets with their activation rate against the overall rate, drivers
    in activation_drivers' rank by spread; buckets too small to count are greyed."""
    alt = alt_module()
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
    return configured(alt.concat(*charts, columns=2, spacing=36).resolve_scale(color="shared")).to_dict()


def chart_experiments(data: ReportData) -> dict[str, Any] | None:
    """Each variant's activation rate with experiment_results' Wilson 95% interval."""
    alt = alt_module()
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
    return configured(alt.concat(*charts, columns=2, spacing=40)).to_dict()



def from_first_active_day(daily: pd.DataFrame, date_column: str, count_column: str) -> pd.DataFrame:
    """The days from the first with any event on: a chart of events per day should not
    spend its width on the empty days before tracking started."""
    active = daily[daily[count_column] > 0]
    if not len(active):
        return daily
    return daily[daily[date_column] >= active[date_column].min()]


def chart_data_health(data: ReportData) -> dict[str, Any] | None:
    """Clean events per day (dq_event_volume's counts summed over events) with the days
    the volume check found anomalous marked."""
    alt = alt_module()
    volume = data.get("marts.dq_event_volume")
    if volume is None or not len(volume):
        return None
    daily = volume.groupby("check_date", as_index=False)["events"].sum()
    daily["check_date"] = pd.to_datetime(daily["check_date"])
    daily = from_first_active_day(daily, "check_date", "events")
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
    return configured(chart).to_dict()

