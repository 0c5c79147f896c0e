"""The report's sections of tables and sentences: the funnel as a table, the experiments in
words, the opportunity table and the activation definition in force.

Why here and not in the page: each section is a function of the rows read (ReportData) to
HTML, so it can be tested on a hand-made frame. The numbers are the marts' own (rates,
p-values, extra accounts and revenue); a section only adds up a mart's column where the
page shows a total (the opportunity of all bands together) and marks a cell.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from activation_warehouse.report.charts import NOT_CONNECTED_SOURCE, SEGMENT_TITLES, step_label
from activation_warehouse.report.data import VARS_SHOWN, ReportData
from activation_warehouse.report.format import esc as _esc, missing as _missing, money as _money, num as _num
from activation_warehouse.report.format import pct as _pct, table as _table, whole as _int


def not_connected_note(funnel: pd.DataFrame) -> str:
    """The note naming the never-connected users left out of the data-source panel."""
    starts = funnel[(funnel["segment_type"] == "data_source_type") & (funnel["segment_value"] == NOT_CONNECTED_SOURCE)
                    & (funnel["step_order"] == 1)]
    if not len(starts):
        return ""
    users = int(starts["users_reached"].iloc[0])
    return (f"The data-source panel leaves out the {users:,} mature users who never connected a source "
            f"(<code>{NOT_CONNECTED_SOURCE}</code>): with no connection, every step after it is 0% for them, "
            "which is not a rate of any source. They are counted in the funnel above and in the table below.")


def section_funnel_table(data: ReportData) -> str:
    """Every segment's funnel as a table (activation_funnel's rows), with a picker that
    shows one segment type; hidden in a <details> as the charts above carry the story."""
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
            _esc(step_label(int(r["step_order"]), r["milestone"])), _int(r["users_reached"]),
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



def p_value_text(p: float) -> str:
    """A p-value as a reader should see it: `p < 0.001` below a thousandth (never `p = 0.000`
    nor `p = 0.00`), three decimals below 0.01, else two."""
    if p < 0.001:
        return "p < 0.001"
    return f"p = {p:.3f}" if p < 0.01 else f"p = {p:.2f}"


def experiment_sentences(data: ReportData) -> list[str]:
    """Each variant against control in words: experiment_results' difference and p-value,
    read at the usual levels (1%, 5%, 10%) so a PM need not know what a p-value is."""
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



def no_experiments(data: ReportData) -> str:
    """Why the experiment section is empty: a built but empty mart means no exposures were
    loaded (raw.flag_exposures is optional), which is not the same as a missing mart."""
    if data.get("marts.experiment_results") is None:
        return _missing("marts.experiment_results")
    return ("<p class='missing'>No experiments to read out: <code>raw.flag_exposures</code> holds no "
            "feature-flag exposures, so <code>marts.experiment_results</code> is empty. It fills on the "
            "first build after exposures are loaded.</p>")



def is_capped(extra_accounts: Any, connected: Any, activated: Any, lift: Any) -> bool:
    """Whether a band's extra activated accounts hit the cap (connected − activated: no
    more accounts than those connected and not yet activated) rather than activated × lift.
    Where it binds, larger lifts show the same value, which reads as a bug without a mark."""
    values = [extra_accounts, connected, activated, lift]
    if any(v is None or pd.isna(v) for v in values):
        return False
    headroom = float(connected) - float(activated)
    return float(activated) * float(lift) > headroom + 1e-9 and math.isclose(float(extra_accounts), headroom, abs_tol=1e-9)


CAPPED_MARK = "<sup class='capped' title='capped: every connected account of this band activated'>†</sup>"
CAPPED_NOTE = ("† capped: the lift would activate more accounts than the band has connected and not activated, so "
               "the extra is all of those (connected − activated), and larger lifts show the same value.")


def money_cell(revenue: Any, extra: str, capped: bool) -> str:
    """One opportunity cell: revenue per year and extra accounts, marked † where capped."""
    return (f"<b>{_money(revenue)}</b> / yr{CAPPED_MARK if capped else ''}<br>"
            f"<span class='muted small'>+{extra} accounts</span>")


def section_opportunity(data: ReportData) -> str:
    """activation_opportunity per size band and lift, with a row of all bands together
    (the sum of the mart's column: the mart holds no total row)."""
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
                capped = is_capped(h["extra_activated_accounts"], band["connected_accounts"], band["activated_accounts"], lift)
                any_capped = any_capped or capped
                cells.append(money_cell(h["extra_annual_revenue"], _num(h["extra_activated_accounts"]), capped))
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
        note += " " + CAPPED_NOTE
    return _table(headers, rows, numeric=set(range(1, 4 + len(lifts))), cls="opportunity") + f"<p class='note'>{note}</p>"



def section_definition(data: ReportData) -> str:
    """The milestones (seeds milestones and milestone_events) and the vars in force, so a
    reader knows which definition every number on the page follows."""
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

