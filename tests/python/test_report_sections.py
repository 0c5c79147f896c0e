"""The report's answers to a PM's follow-up questions, and four fixes of the page.

Two kinds of test:

- the rules of activation_warehouse/report_sections.py on hand-made frames whose numbers
  are counted by hand in each test (no build);
- the page written from the session's small demo: each new section is there and its
  numbers equal an independent SQL count of the marts, the data-source rate panel has no
  `none` row, the events chart starts at the first day with events, capped opportunity
  cells are marked exactly where the cap binds, and a missing time-to-action mart is
  named rather than failing the page.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from activation_warehouse import report_sections as sections
from activation_warehouse.report import write_report

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
    assert sections.drop_off_returns(users) == [
        {"population": "in scope", "dropped": 2, "returned": 2, "returned_in_window": 1},
        {"population": "all companies", "dropped": 3, "returned": 2, "returned_in_window": 1},
    ]
    html = sections.section_drop_off_returns(users, "marts.fct_user_activation_v2", "3 days")
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
    assert not sections.in_rate_panel("data_source_type", "none")
    assert sections.in_rate_panel("data_source_type", "crm")
    assert sections.in_rate_panel("signup_channel", "none")  # another segment's value of that name stays
    funnel = pd.DataFrame([
        {"segment_type": "data_source_type", "segment_value": "none", "step_order": 1, "users_reached": 12},
        {"segment_type": "data_source_type", "segment_value": "none", "step_order": 2, "users_reached": 0},
    ])
    assert "the 12 mature users who never connected" in sections.not_connected_note(funnel)
    assert sections.not_connected_note(funnel[funnel["segment_value"] == "crm"]) == ""


def test_the_events_axis_starts_at_the_first_day_with_events() -> None:
    daily = pd.DataFrame({"day": pd.to_datetime(["2026-01-01", "2026-01-02", "2026-01-03", "2026-01-04"]),
                          "events": [0, 0, 5, 0]})
    kept = sections.from_first_active_day(daily, "day", "events")
    assert list(kept["day"].dt.strftime("%m-%d")) == ["01-03", "01-04"]  # a later zero day is data, kept
    empty = daily.assign(events=0)
    assert len(sections.from_first_active_day(empty, "day", "events")) == 4


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
    html = sections.section_time_to_action(_time_to_action_rows())
    # 4 min and 90 min (1.5 h); 8 − 6 = 2 of 8 dropped users never acted again (25%).
    assert "activated users acted again after a median of <b>4 min</b>, dropped users after <b>1.5 h</b>" in html
    assert "2 of 8 dropped users (25%) never acted again" in html
    assert "<h3>Overall</h3>" in html and "<h3>By data source</h3>" in html
    assert "1 (33%)" in html            # crm dropped: 1 of 3 acted again
    assert "3.0 days" in html            # p90 to first value 4320 min
    assert "self_serve" not in html      # only overall and data source are shown
    assert html.index("<b>activated</b>") < html.index("<b>dropped</b>")
    assert "(not built yet)" in sections.section_time_to_action(None)


def test_stalled_section_lists_the_longest_stalled_and_names_the_export(tmp_path: Path) -> None:
    frame = pd.DataFrame([
        {"user_id": f"u{i:02d}", "account_id": f"a{i}", "data_source_type": "crm", "whole_days_stalled": 30 - i,
         "whole_days_left": 1, "is_newly_stalled": i % 2 == 0, "last_action_name": "page_viewed",
         "days_since_last_action": 30.5 - i}
        for i in range(20)
    ])
    html = sections.section_stalled_users(frame, tmp_path / "published" / "activation_marts.duckdb", "3 days")
    assert "20 users connected" in html and "10 of them became stalled this week (in the seven days before the as-of time)" in html
    assert "the 15 stalled longest of 20" in html
    assert html.count("<code>u") == sections.STALLED_SHOWN and "u14" in html and "u15" not in html
    assert str(tmp_path / "published" / "exports" / "stalled_users.csv") in html
    assert "Nobody is stalled" in sections.section_stalled_users(frame.head(0), tmp_path / "w.duckdb", "3 days")
    assert sections.days_text(1) == "1 day" and sections.days_text(3) == "3 days"


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
        f"select user_id from marts.stalled_users order by days_since_last_action desc, user_id limit {sections.STALLED_SHOWN}")]
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
