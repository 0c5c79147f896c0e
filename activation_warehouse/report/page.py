"""Assembling the report's page: the verdict header, the sections in reading order, the
definition at the foot, the charts' specs and the embedded Vega libraries.

Why the template and the CSS are files (page.html, style.css, read with
importlib.resources): they are HTML and CSS, read and edited as such, and the package
ships them (pyproject's package-data). This module decides only what goes where; the
sections, charts and reading live in their own modules (docs/report.md, "Layout").
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path
from string import Template
from typing import Any

import pandas as pd

from activation_warehouse.paths import PROJECT_DIR
from activation_warehouse.report import followups
from activation_warehouse.report.charts import (
    FONT, INK, VERDICT_STYLE, chart_cohorts, chart_funnel, chart_segments, chart_ttfv, chart_verdict,
)
from activation_warehouse.report.charts_evidence import chart_drivers, chart_experiments
from activation_warehouse.report.data import DRIVERS, USERS, ReportData, ReportError, funnel_steps, read_report_data, setting_label
from activation_warehouse.report.format import chart_div as _chart_div, days_text, esc as _esc, missing as _missing, pct as _pct
from activation_warehouse.report.health import section_data_health
from activation_warehouse.report.sections import (
    experiment_sentences, no_experiments, not_connected_note, section_definition, section_funnel_table, section_opportunity,
)

DEFAULT_REPORT_PATH = PROJECT_DIR / "reports" / "activation_report.html"


@dataclass
class ReportResult:
    """What `write_report` wrote: the file, the verdict and as-of time it shows, the charts
    embedded and how long it took (the command prints them)."""

    path: Path
    verdict: str
    as_of: datetime | None
    charts: list[str]
    seconds: float


def _package_text(name: str) -> Template:
    """A file shipped beside this module (page.html, style.css) as a template."""
    return Template(resources.files("activation_warehouse.report").joinpath(name).read_text(encoding="utf-8"))


def _script_safe(text: str) -> str:
    """Text placed inside a <script> element must not close it."""
    return text.replace("</script", "<\\/script").replace("</SCRIPT", "<\\/SCRIPT").replace("<!--", "<\\!--")


def _vega_bundle() -> tuple[str, str]:
    """The Vega, Vega-Lite and vega-embed JavaScript of the Vega-Lite version altair writes,
    and that version: embedded so the page draws its charts with no network."""
    try:
        import vl_convert
        from altair.utils._importers import vl_version_for_vl_convert
    except ImportError as error:  # pragma: no cover - a pinned requirement
        raise ReportError("vl-convert-python is needed to embed the chart library: pip install -r requirements.txt") from error
    version = vl_version_for_vl_convert()
    return vl_convert.javascript_bundle(vl_version=version), version


#: The page's table of contents: (section id, link text), in reading order.
NAV = (
    ("funnel", "Funnel"), ("cohorts", "Cohorts & time to value"), ("returns", "Drop-offs"),
    ("time-to-action", "Time to next action"), ("drivers", "Drivers"), ("experiments", "Experiments"),
    ("opportunity", "Opportunity"), ("stalled", "Stalled users"), ("data-health", "Data health"),
    ("definition", "Definition"),
)


def _header(data: ReportData, decision: pd.Series, headline: str, as_of_text: str) -> str:
    """The verdict in large type, its reason, the key figures (all activation_decision's but
    the return share and the stalled count) and the container of the verdict chart."""
    word, _, rest = headline.partition(": ")
    stalled = data.counts.get("marts.stalled_users")
    kpis = [
        ("accent", _pct(decision["post_connection_drop_rate"]), "drop rate after connecting"),
        ("", f"{_pct(decision['drop_rate_ci_low'])}–{_pct(decision['drop_rate_ci_high'])}", "95% interval (Wilson)"),
        ("", f"{int(decision['dropped_users']):,} / {int(decision['mature_connected_users']):,}", "dropped / mature in-scope connected users"),
        ("", f"{_pct(decision['defer_threshold'], 0)} · {_pct(decision['invest_threshold'], 0)}", "defer below · invest above"),
    ]
    returned = followups.returned_within_window_share(data.get(USERS))
    if returned is not None:
        kpis.append(("", _pct(returned), f"of the in-scope dropped back within {setting_label(data, 'return_window_days')}"))
    if stalled is not None:
        kpis.append(("", f"{stalled:,}", "stalled now (marts.stalled_users)"))
    return (
        f"<header class='verdict'><div class='eyebrow'>Activation report · as of {_esc(as_of_text)}</div>"
        f"<h1><span class='word'>{_esc(word)}</span><span class='rest'>{_esc(rest)}</span></h1>"
        f"<p class='reason'>{_esc(decision['verdict_reason'])}</p>"
        "<div class='kpis'>" + "".join(f"<div class='kpi {c}'><b>{_esc(v)}</b><span>{_esc(t)}</span></div>" for c, v, t in kpis) + "</div>"
        + _chart_div("verdict")
        + "<noscript><div>The charts need JavaScript (embedded in this file, no network needed). The numbers and tables below read without it.</div></noscript>"
        + "</header>"
    )


def _sections(data: ReportData, specs: dict[str, dict[str, Any]], steps: list[tuple[int, str]],
              activation: str | None) -> list[tuple[str, str, str, str]]:
    """Every section in reading order as (id, title, lede, HTML); each chart drawn is added
    to `specs` under the name of its container."""
    sections = []
    funnel_spec, segments_spec = chart_funnel(data), chart_segments(data, activation)
    body = ""
    if funnel_spec:
        specs["funnel"] = funnel_spec
        body += _chart_div("funnel")
    if segments_spec:
        specs["segments"] = segments_spec
        body += "<h3>Per segment: each step's rate from the previous step</h3>" + _chart_div("segments")
        not_connected = not_connected_note(data.get("marts.activation_funnel"))
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
                     followups.section_drop_off_returns(data.get(USERS), USERS, setting_label(data, "return_window_days"))))
    sections.append(("time-to-action", "Time to next action",
                     "How soon users act again after connecting, activated against dropped, overall and by data source.",
                     followups.section_time_to_action(data.get(followups.TIME_TO_ACTION))))

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
                     if experiments_spec else no_experiments(data)))

    sections.append(("opportunity", "Opportunity: what a lift in post-connection activation is worth",
                     "Mature in-scope accounts per size band, for each relative lift in activated accounts.", section_opportunity(data)))
    stall_days = data.vars.get("stall_days", (None, ""))[0]
    sections.append(("stalled", "Stalled users to nudge",
                     "Connected, not yet activated, window still open, and quiet: the people a nudge can still reach.",
                     followups.section_stalled_users(data.get(followups.STALLED_USERS), data.warehouse, days_text(stall_days))))

    health_html, health_spec = section_data_health(data)
    if health_spec:
        specs["data_health"] = health_spec
    sections.append(("data-health", "Data health",
                     "Can these numbers be trusted? The data-quality marts judge every day of the raw data; details in marts.dq_*.",
                     health_html))

    return sections


def _footer(data: ReportData, as_of_text: str, generated_at: datetime) -> str:
    """The activation definition in force and the as-of time, at the foot of the page."""
    return (
        "<footer id='definition'><h2>The activation definition in force</h2>"
        f"<p class='asof'>As of <b>{_esc(as_of_text)}</b> (every metric ignores later events and signups). "
        f"Report generated {generated_at:%Y-%m-%d %H:%M} UTC from <code>{_esc(data.warehouse)}</code>.</p>"
        "<p class='note'>A milestone counts when reached within the activation window of signup, at or after the previous one; "
        "a user is activated on reaching the <i>activation</i> milestone. Only mature users (signup + window ≤ as-of) count toward a rate. "
        "The milestones come from the seeds <code>milestones</code> and <code>milestone_events</code>; the vars from "
        "<code>marts.activation_settings</code>, the values the build ran with.</p>"
        + section_definition(data) + "</footer>"
    )


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
    steps, activation = funnel_steps(data)
    specs: dict[str, dict[str, Any]] = {"verdict": chart_verdict(decision)}
    header = _header(data, decision, headline, as_of_text)
    nav = "<nav>" + "".join(f"<a href='#{a}'>{t}</a>" for a, t in NAV) + "</nav>"
    sections = _sections(data, specs, steps, activation)
    section_html = "".join(
        f"<section id='{sid}'><h2>{_esc(title)}</h2>" + (f"<p class='lede'>{_esc(lede)}</p>" if lede else "") + content + "</section>"
        for sid, title, lede, content in sections
    )
    footer = _footer(data, as_of_text, generated_at)
    bundle, vl_version = _vega_bundle()
    page = _package_text("page.html").substitute(
        verdict_word=_esc(headline.partition(": ")[0]), as_of=_esc(as_of_text),
        css=_package_text("style.css").substitute(accent=colour, accent_bg=background, font=FONT),
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
