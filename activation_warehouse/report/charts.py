"""The report's charts of who activates: the verdict, the funnel, the segments, the cohort
trend and the time to first value, as Vega-Lite specs made with altair.

Why specs and not images: the page embeds the Vega libraries and draws the specs itself,
so the file opens offline and each mark keeps its tooltip. Every number drawn is a mart's
own: the rates and their Wilson intervals come from activation_decision and
activation_funnel (statistics.sql computes them); a chart only arranges rows. The charts
of drivers, experiments and data health are in charts_evidence.py.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from activation_warehouse.report.data import USERS, ReportData
from activation_warehouse.report.format import duration as _duration, optional_float, pct as _pct

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
#: The data-source value of users who never connected: they have no step after
#: connecting, so a rate panel of the steps after connecting leaves them out.
NOT_CONNECTED_SOURCE = "none"


def alt_module() -> Any:
    """altair, imported when a chart is drawn (it is slow to import and only the report needs it)."""
    import altair as alt

    return alt


def configured(chart: Any) -> Any:
    """The page's one look for every chart: its font, axes, legends and titles."""
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



def step_label(order: int, milestone: str) -> str:
    """A funnel step as the page names it: "2. data source connected"."""
    return f"{order}. {milestone.replace('_', ' ')}"


def chart_verdict(decision: pd.Series) -> dict[str, Any]:
    """The drop rate and its Wilson interval (activation_decision's) against the defer and
    invest thresholds, on the zones each verdict covers."""
    alt = alt_module()
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
    return configured(chart).to_dict()


def chart_funnel(data: ReportData) -> dict[str, Any] | None:
    """The funnel overall, in scope and out of scope: mature users counted, users whose
    window is still open drawn light beside them (never counted as dropped)."""
    alt = alt_module()
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
            step = step_label(int(row["step_order"]), row["milestone"])
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
    return configured(alt.hconcat(*charts, spacing=24)).to_dict()


def _segment_order(data: ReportData, segment_type: str, values: list[str], sizes: dict[str, int]) -> list[str]:
    """Size bands in the seed's order (small to large reads as a scale); other segments largest first."""
    if segment_type == "company_size_band":
        bands = data.get("seeds.company_size_bands")
        if bands is not None:
            order = list(bands["company_size_band"])
            return sorted(values, key=lambda v: order.index(v) if v in order else len(order))
    return sorted(values, key=lambda v: (-sizes.get(v, 0), v))


def in_rate_panel(segment_type: str, segment_value: str) -> bool:
    """Whether a segment belongs in the per-segment panel of rates after signing up: users
    with no data source never connected, so every later step reads 0% and looks like a
    source that fails; they are named in a note instead (sections.not_connected_note)."""
    return not (segment_type == "data_source_type" and segment_value == NOT_CONNECTED_SOURCE)


def chart_segments(data: ReportData, activation: str | None) -> dict[str, Any] | None:
    """Each step's rate from the previous step (activation_funnel's) per company size,
    signup channel and data source."""
    alt = alt_module()
    funnel = data.get("marts.activation_funnel")
    if funnel is None or not len(funnel):
        return None
    charts = []
    for segment_type in ("company_size_band", "signup_channel", "data_source_type"):
        rows = funnel[(funnel["segment_type"] == segment_type) & (funnel["step_order"] > 1)]
        rows = rows[[in_rate_panel(segment_type, value) for value in rows["segment_value"]]]
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
    return configured(alt.hconcat(*charts, spacing=30).resolve_scale(color="shared")).to_dict()


#: activation_funnel's Wilson 95% interval of rate_from_previous (a build before these
#: columns existed draws the trend without its band, and says so).
RATE_INTERVAL = ("rate_from_previous_ci_low", "rate_from_previous_ci_high")


def chart_cohorts(data: ReportData, steps: list[tuple[int, str]], activation: str | None) -> tuple[dict[str, Any] | None, str]:
    """By signup week, the share of mature connected users who reached first value (the
    activation step's rate_from_previous) with its 95% band, and the users per week.

    The band is activation_funnel's own Wilson interval (rate_from_previous_ci_low /
    _high, macros/activation/statistics.sql), never recomputed here: one rule, one place."""
    alt = alt_module()
    funnel = data.get("marts.activation_funnel")
    if funnel is None or not len(funnel) or activation is None:
        return None, ""
    weeks = funnel[funnel["segment_type"] == "signup_cohort_week"]
    target = weeks[weeks["milestone"] == activation]
    if not len(target):
        return None, ""
    order = int(target["step_order"].iloc[0])
    previous = weeks[weeks["step_order"] == order - 1].set_index("segment_value")["users_reached"]
    has_band = set(RATE_INTERVAL) <= set(target.columns)
    records, in_progress = [], 0
    for _, row in target.sort_values("segment_value").iterrows():
        base = int(previous.get(row["segment_value"], 0) or 0)
        low, high = (optional_float(row[c]) for c in RATE_INTERVAL) if has_band else (None, None)
        if pd.isna(row["rate_from_previous"]):
            in_progress += 1
        records.append({
            "week": str(row["segment_value"]), "users": base, "activated": int(row["users_reached"]),
            "rate": None if pd.isna(row["rate_from_previous"]) else float(row["rate_from_previous"]),
            "low": low, "high": high, "in_progress": int(row["users_in_progress"] or 0),
        })
    source = alt.Data(values=records)
    x = alt.X("week:T", title="signup week (Monday, UTC)", axis=alt.Axis(format="%b %d", labelAngle=0, tickCount=8))
    bars = alt.Chart(source).mark_bar(color=GREY_LIGHT, width=14).encode(
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
    if not has_band:
        note += "; no 95% band: this warehouse's activation_funnel predates its interval columns (rebuild to draw it)"
    return configured(chart).to_dict(), note


def chart_ttfv(data: ReportData) -> tuple[dict[str, Any] | None, str]:
    """A histogram of minutes from connecting to first value, in bins that widen (minutes
    to days), in and out of scope, with its quartiles in words.

    Counted here from fct_user_activation's minutes_to_first_value, on purpose: the
    histogram and its quartiles cover every user who reached first value, in progress
    too, and no mart holds that distribution (activation_time_to_action's percentiles
    are over the mature connected users only, another population)."""
    alt = alt_module()
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
    return configured(chart).to_dict(), note

