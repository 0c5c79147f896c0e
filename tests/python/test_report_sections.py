"""The report's answers to a PM's follow-up questions, and four fixes of the page.

Two kinds of test:

- the rules of the report's sections (activation_warehouse/report/followups.py,
  sections.py, charts.py) on hand-made frames whose numbers are counted by hand in each
  test (no build), and that the cohort band is the funnel mart's interval, not the report's;
- the page written from the session's small demo: each new section is there and its
  numbers equal an independent SQL count of the marts, the data-source rate panel has no
  `none` row, the events chart starts at the first day with events, capped opportunity
  cells are marked exactly where the cap binds, a missing time-to-action mart is
  named rather than failing the page, and activation_funnel's interval columns (which the
  cohort band draws) are the Wilson interval of each step's rate, computed again here.
"""

from __future__ import annotations

import json
import math
import re
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from activation_warehouse.report import ReportData, charts, charts_evidence, followups, sections, write_report
from activation_warehouse.report.format import days_text

from conftest import ScratchWarehouse

# ------------------------------------------------------------------------------ rules, by hand


def test_drop_off_returns_counts_the_marts_flags() -> None:
    # Five users: three dropped (two in scope), one activated, one not dropped (null flags).
    users = pd.DataFrame([
        {"dropped_after_connection": True, "is_in_scope": True, "returned_after_drop": True, "returned_within_return_window": True},
        {"dropped_after_connection": True, "is_in_scope": True, "returned_after_drop": True, "returned_within_return_window": False},
        {"dropped_after_connection": True, "is_in_scope": False, "returned_after_drop": False, "returned_within_return_window": False},
        {"dropped_after_connection": False, "is_in_scope": True, "returned_after_drop": None, "returned_within_return_window": None},
        {"dropped_after_connection": None, "is_in_scope": False, "returned_after_drop": None, "returned_within_return_window": None},
    ])
    assert followups.drop_off_returns(users) == [
        {"population": "in scope", "dropped": 2, "returned": 2, "returned_in_window": 1},
        {"population": "all companies", "dropped": 3, "returned": 2, "returned_in_window": 1},
    ]
    html = followups.section_drop_off_returns(users, "marts.fct_user_activation_v2", "3 days")
    assert "came back within 3 days" in html
    assert "2 (100%)" in html and "1 (50%)" in html and "1 (33%)" in html


@pytest.mark.parametrize(
    ("extra", "connected", "activated", "lift", "capped"),
    [
        (3.0, 25, 22, 0.25, True),    # 22 × 0.25 = 5.5 > 3 left: the cap (25 − 22) binds
        (2.2, 25, 22, 0.10, False),   # 2.2 < 3: the lift itself
        (3.0, 25, 20, 0.15, False),   # 20 × 0.15 = 3 = the headroom exactly: not capped
        (0.0, 10, 10, 0.5, True),     # every connected account activated already
        (None, 10, 5, 0.5, False),    # nothing to mark
    ],
)
def test_a_cell_is_capped_only_where_the_cap_binds(extra, connected, activated, lift, capped) -> None:
    assert sections.is_capped(extra, connected, activated, lift) is capped


def test_the_rate_panel_leaves_out_only_the_never_connected() -> None:
    assert not charts.in_rate_panel("data_source_type", "none")
    assert charts.in_rate_panel("data_source_type", "crm")
    assert charts.in_rate_panel("signup_channel", "none")  # another segment's value of that name stays
    funnel = pd.DataFrame([
        {"segment_type": "data_source_type", "segment_value": "none", "step_order": 1, "users_reached": 12},
        {"segment_type": "data_source_type", "segment_value": "none", "step_order": 2, "users_reached": 0},
    ])
    assert "the 12 mature users who never connected" in sections.not_connected_note(funnel)
    assert sections.not_connected_note(funnel[funnel["segment_value"] == "crm"]) == ""


def test_the_events_axis_starts_at_the_first_day_with_events() -> None:
    daily = pd.DataFrame({"day": pd.to_datetime(["2026-01-01", "2026-01-02", "2026-01-03", "2026-01-04"]),
                          "events": [0, 0, 5, 0]})
    kept = charts_evidence.from_first_active_day(daily, "day", "events")
    assert list(kept["day"].dt.strftime("%m-%d")) == ["01-03", "01-04"]  # a later zero day is data, kept
    empty = daily.assign(events=0)
    assert len(charts_evidence.from_first_active_day(empty, "day", "events")) == 4


def _cohort_funnel(with_interval: bool) -> ReportData:
    """Two signup weeks of a three-step funnel: 10 then 4 users connected, 3 then 0 of them
    reached first value. The interval columns hold planted values, not the Wilson interval
    of those counts (3 of 10 is 10.8%–60.3%), so a band equal to them was read, not computed."""
    rows = []
    for week, connected, activated, low, high in (("2026-03-02", 10, 3, 0.111, 0.888), ("2026-03-09", 4, 0, 0.0, 0.444)):
        for order, milestone, reached in ((1, "signed_up", 12), (2, "data_source_connected", connected), (3, "first_value", activated)):
            row = {"segment_type": "signup_cohort_week", "segment_value": week, "step_order": order, "milestone": milestone,
                   "users_reached": reached, "rate_from_previous": 1.0 if order == 1 else reached / (12 if order == 2 else connected),
                   "rate_from_start": reached / 12, "users_in_progress": 0, "users_dropped_here": 0}
            if with_interval:
                row |= {"rate_from_previous_ci_low": low if order == 3 else 0.5, "rate_from_previous_ci_high": high if order == 3 else 1.0}
            rows.append(row)
    milestones = pd.DataFrame({"milestone_key": ["signed_up", "data_source_connected", "first_value"],
                               "milestone_role": ["signup", "connection", "activation"]})
    return ReportData(warehouse=Path("unused.duckdb"),
                      tables={"marts.activation_funnel": pd.DataFrame(rows), "seeds.milestones": milestones})


def _band(spec: dict) -> list[tuple[str, float | None, float | None, int]]:
    (weeks,) = [values for values in _datasets(spec) if values and "low" in values[0]]
    return [(row["week"], row["low"], row["high"], row["users"]) for row in weeks]


def test_the_cohort_band_is_the_funnel_marts_interval() -> None:
    spec, note = charts.chart_cohorts(_cohort_funnel(with_interval=True), [], "first_value")
    # The planted bounds of the first-value step; the bars are the connected users (10, 4).
    assert _band(spec) == [("2026-03-02", 0.111, 0.888, 10), ("2026-03-09", 0.0, 0.444, 4)]
    assert "no 95% band" not in note
    # A warehouse built before the interval columns: no band, and the note says why.
    spec, note = charts.chart_cohorts(_cohort_funnel(with_interval=False), [], "first_value")
    assert _band(spec) == [("2026-03-02", None, None, 10), ("2026-03-09", None, None, 4)]
    assert "predates its interval columns" in note


def _time_to_action_rows() -> pd.DataFrame:
    base = {"median_minutes_to_first_value": None, "p75_minutes_to_first_value": None, "p90_minutes_to_first_value": None}
    return pd.DataFrame([
        {"segment_type": "overall", "segment_value": "overall", "user_group": "dropped", "users": 8, "users_with_next_action": 6,
         "median_minutes_to_next_action": 90.0, "p75_minutes_to_next_action": 3000.0, "p90_minutes_to_next_action": 5000.0, **base},
        {"segment_type": "overall", "segment_value": "overall", "user_group": "activated", "users": 10, "users_with_next_action": 10,
         "median_minutes_to_next_action": 4.0, "p75_minutes_to_next_action": 9.0, "p90_minutes_to_next_action": 30.0,
         "median_minutes_to_first_value": 45.0, "p75_minutes_to_first_value": 120.0, "p90_minutes_to_first_value": 4320.0},
        {"segment_type": "data_source_type", "segment_value": "crm", "user_group": "dropped", "users": 3, "users_with_next_action": 1,
         "median_minutes_to_next_action": 20.0, "p75_minutes_to_next_action": 20.0, "p90_minutes_to_next_action": 20.0, **base},
        {"segment_type": "signup_channel", "segment_value": "self_serve", "user_group": "dropped", "users": 3,
         "users_with_next_action": 1, "median_minutes_to_next_action": 20.0, "p75_minutes_to_next_action": 20.0,
         "p90_minutes_to_next_action": 20.0, **base},
    ])


def test_time_to_action_section_compares_activated_with_dropped() -> None:
    html = followups.section_time_to_action(_time_to_action_rows())
    # 4 min and 90 min (1.5 h); 8 − 6 = 2 of 8 dropped users never acted again (25%).
    assert "activated users acted again after a median of <b>4 min</b>, dropped users after <b>1.5 h</b>" in html
    assert "2 of 8 dropped users (25%) never acted again" in html
    assert "<h3>Overall</h3>" in html and "<h3>By data source</h3>" in html
    assert "1 (33%)" in html            # crm dropped: 1 of 3 acted again
    assert "3.0 days" in html            # p90 to first value 4320 min
    assert "self_serve" not in html      # only overall and data source are shown
    assert html.index("<b>activated</b>") < html.index("<b>dropped</b>")
    assert "(not built yet)" in followups.section_time_to_action(None)


def test_stalled_section_lists_the_longest_stalled_and_names_the_export(tmp_path: Path) -> None:
    frame = pd.DataFrame([
        {"user_id": f"u{i:02d}", "account_id": f"a{i}", "data_source_type": "crm", "whole_days_stalled": 30 - i,
         "whole_days_left": 1, "is_newly_stalled": i % 2 == 0, "last_action_name": "page_viewed",
         "days_since_last_action": 30.5 - i}
        for i in range(20)
    ])
    html = followups.section_stalled_users(frame, tmp_path / "published" / "activation_marts.duckdb", "3 days")
    assert "20 users connected" in html and "10 of them became stalled this week (in the seven days before the as-of time)" in html
    assert "the 15 stalled longest of 20" in html
    assert html.count("<code>u") == followups.STALLED_SHOWN and "u14" in html and "u15" not in html
    assert str(tmp_path / "published" / "exports" / "stalled_users.csv") in html
    assert "Nobody is stalled" in followups.section_stalled_users(frame.head(0), tmp_path / "w.duckdb", "3 days")
    assert days_text(1) == "1 day" and days_text(3) == "3 days"


# ------------------------------------------------------------------------------ the demo's page


@pytest.fixture(scope="module")
def page(small_demo: ScratchWarehouse, tmp_path_factory: pytest.TempPathFactory) -> str:
    out = tmp_path_factory.mktemp("report_sections") / "report.html"
    return write_report(small_demo.path, out).path.read_text(encoding="utf-8")


def _section(page: str, section_id: str) -> str:
    match = re.search(rf"<section id='{section_id}'>(.*?)</section>", page, flags=re.S)
    assert match, f"no section {section_id}"
    return match.group(1)


def _specs(page: str) -> dict:
    match = re.search(r"var specs = (\{.*?\});\n", page)
    assert match
    return json.loads(match.group(1).replace("<\\/", "</"))


def test_demo_page_says_whether_drop_offs_come_back(small_demo: ScratchWarehouse, page: str) -> None:
    dropped, returned, in_window = small_demo.query(
        "select count(*), count(*) filter (where returned_after_drop),"
        " count(*) filter (where returned_within_return_window)"
        " from marts.fct_user_activation_v2 where dropped_after_connection and is_in_scope")[0]
    assert dropped > 0 and 0 < returned < dropped
    text = _section(page, "returns")
    assert f"Of {dropped:,} users (in scope) who connected and never reached first value, {returned:,}" in text
    assert f"{in_window:,} of them within 7 days of connecting" in text


def test_demo_page_shows_time_to_next_action_by_source(small_demo: ScratchWarehouse, page: str) -> None:
    text = _section(page, "time-to-action")
    sources = [row[0] for row in small_demo.query(
        "select distinct segment_value from marts.activation_time_to_action where segment_type = 'data_source_type'")]
    assert sources and all(f"<td>{source}</td>" in text for source in sources)
    (users,) = small_demo.query(
        "select users from marts.activation_time_to_action where segment_type = 'overall' and user_group = 'dropped'")[0]
    assert f"of {users:,} dropped users" in text


def test_demo_page_lists_the_stalled_users_longest_first(small_demo: ScratchWarehouse, page: str) -> None:
    expected = [row[0] for row in small_demo.query(
        f"select user_id from marts.stalled_users order by days_since_last_action desc, user_id limit {followups.STALLED_SHOWN}")]
    assert expected, "the small demo has stalled users, or this test proves nothing"
    text = _section(page, "stalled")
    assert re.findall(r"<code>(usr_[0-9]+)</code>", text) == expected
    assert "exports/stalled_users.csv" in text


def test_demo_page_fixes(small_demo: ScratchWarehouse, page: str) -> None:
    specs = _specs(page)
    # The data-source panel has no `none` row, and a note says why.
    values = json.dumps(specs["segments"])
    assert "none  (n=" not in values and "crm  (n=" in values
    assert "never connected a source" in _section(page, "funnel")
    # The events chart starts at the first day with events.
    first_day = small_demo.scalar("select min(check_date) from marts.dq_event_volume where events > 0")
    days = [row["check_date"] for data in _datasets(specs["data_health"]) for row in data if "events" in row and "label" not in row]
    assert min(days)[:10] == str(first_day)[:10]
    # The cohort chart's axis titles fit its 250 px height (about 6 px a character at 11 px).
    titles = re.findall(r'"title":\s*"([^"]*\((?:line|bars)\))"', json.dumps(specs["cohorts"]))
    assert titles and all(len(title) * 6 < 250 for title in titles)
    # Capped cells are marked exactly where activated × lift exceeds connected − activated.
    capped = small_demo.scalar(
        "select count(*) from marts.activation_opportunity"
        " where activated_accounts * relative_lift > connected_accounts - activated_accounts")
    opportunity = _section(page, "opportunity")
    assert opportunity.count("class='capped'") == capped
    assert ("† capped" in opportunity) == (capped > 0)


def _datasets(spec: dict) -> list[list[dict]]:
    found: list[list[dict]] = []

    def walk(node) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("values"), list):
                found.append(node["values"])
            if isinstance(node.get("datasets"), dict):  # altair may gather inline data here
                found.extend(node["datasets"].values())
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(spec)
    return found


def test_a_missing_time_to_action_mart_is_named(small_demo: ScratchWarehouse, tmp_path: Path) -> None:
    copy = tmp_path / "partial.duckdb"
    shutil.copy(small_demo.path, copy)
    with duckdb.connect(str(copy)) as connection:
        connection.execute("drop table marts.activation_time_to_action")
    text = write_report(copy, tmp_path / "partial.html").path.read_text(encoding="utf-8")
    assert "<code>marts.activation_time_to_action</code> (not built yet)" in _section(text, "time-to-action")
    assert "<table" in _section(text, "stalled")


def _wilson(successes: int, trials: int, z: float = 1.959963984540054) -> tuple[float | None, float | None]:
    """The Wilson 95% interval written out again, to check the mart's macro by another hand."""
    if not trials:
        return None, None
    p = successes / trials
    centre = (p + z * z / (2 * trials)) / (1 + z * z / trials)
    half = z / (1 + z * z / trials) * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials))
    return max(0.0, centre - half), min(1.0, centre + half)


def test_the_funnel_interval_is_each_steps_wilson_interval(small_demo: ScratchWarehouse, page: str) -> None:
    rows = small_demo.query(
        "select segment_type, segment_value, step_order, users_reached,"
        " coalesce(lag(users_reached) over (partition by segment_type, segment_value order by step_order), users_reached),"
        " rate_from_previous_ci_low, rate_from_previous_ci_high from marts.activation_funnel")
    assert len(rows) > 50 and any(0 < reached < base for *_, reached, base, _, _ in rows)
    for segment_type, value, order, reached, base, low, high in rows:
        want = _wilson(reached, base)
        if want == (None, None):
            assert (low, high) == (None, None), (segment_type, value, order)
        else:
            assert low == pytest.approx(want[0], abs=1e-12) and high == pytest.approx(want[1], abs=1e-12), (segment_type, value, order)
    # 6 of 11 by hand: p = 0.5455, centre 0.5337, half 0.2536 -> 28.0%–78.7%.
    assert _wilson(6, 11)[0] == pytest.approx(0.2801, abs=1e-4) and _wilson(6, 11)[1] == pytest.approx(0.7873, abs=1e-4)
    # The page's cohort band is those columns of the first-value step, week by week.
    expected = {str(week): (low, high) for week, low, high in small_demo.query(
        "select segment_value, rate_from_previous_ci_low, rate_from_previous_ci_high from marts.activation_funnel"
        " where segment_type = 'signup_cohort_week' and milestone = 'first_value'")}
    band = {week: (low, high) for week, low, high, _ in _band(_specs(page)["cohorts"])}
    assert band == expected and any(low is not None for low, _ in band.values())
