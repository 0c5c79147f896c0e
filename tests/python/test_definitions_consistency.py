"""Consistent definitions: the marts move together when a definition's var changes.

The scenario fixture (tests/python/data/scenario; its journeys are told in
test_scenario.py's docstring) is built twice: with the default vars and with
`activation_window_days: 7`. Every build runs every data test of the activation marts,
so the cross-mart agreements (tests/consistency, tests/marts) hold under each value; the
tests below check by hand that each mart moved the way the definition says.

as_of stays 2026-04-30 12:00 (u90's page view: the window does not move it).

Window 14 (default), from test_scenario.py: 16 mature users, 3 in progress (u17, u18,
u19); 9 activated (u01 u05 u06 u07 u08 u10 u11 u13 u15); stalled u17 and u19.

Window 7 (mature <=> signup + 7 d <= as_of <=> signup <= 04-23 12:00):
  * every user is mature: u17 (04-20), u18 (04-21), u19 (04-22) too, so nobody is in
    progress and nobody is stalled (stalling needs an open window);
  * every connection is minutes after signup: 18 connected (all but u16), as before;
  * first value within 7 days: u13's dashboard is 14 days after signup, so u13 is no longer
    activated; every other activated user reached value within a day: 8 activated;
  * u13, u17, u18, u19 are now dropped. Returns: u13's dashboard on 04-20 starts a session
    after the connecting one (returned, 13 d 23.5 h after connecting: not within 7 d);
    u17's page 04-22 09:00 (1 d 22 h 50 min: within 7 d); u18's "Button Clicked" 04-29
    12:00 (8 d 2.5 h: not within 7 d); u19's page 04-27 12:00 (4 d 20 h 40 min: within 7 d).
  * funnel overall 19 / 18 / 8; in scope (u01-u07, u13-u16, u17, u18, u19) 14 / 13 / 5
    (u01 u05 u06 u07 u15);
  * decision: 13 mature in-scope connected users, 8 dropped (u02 u03 u04 u13 u14 u17 u18
    u19), rate 8/13, fewer than 30 users: investigate;
  * drivers, data_ready: 0-5 min u01(A) u06(A) u13 u14 u15(A) = 5 / 3; 5-60 min u02 u07(A)
    u17 u18 u19 = 5 / 1; 1-24 h u05(A) 1 / 1; 24 h or more u03 1 / 0; never u04 1 / 0;
  * experiment guided_setup_v2: control u02 u03 u05(A) u10(A) u18 = 5 / 2; treatment u01(A)
    u04 u06(A) u13 u16 u17 = 6 / 2 (u14 saw both variants, u15's exposure came after its
    first value); diff 2/6 - 2/5 = -1/15, pooled two-proportion p-value;
  * accounts: acc_fresh (u18) is mature; acc_growth's activated users fall to 1 (u15);
  * opportunity: band 50-99 (acc_ops activated, acc_fresh connected and not) can gain
    min(1 x lift, 2 - 1) = lift accounts (0.10, 0.25, 0.50); 100-199 and 200-500 are fully
    activated (0).
"""

from __future__ import annotations

import json
import math

import pytest

from activation_warehouse.load import load_folder

from conftest import FIXTURES_DIR, ScratchWarehouse

pytestmark = pytest.mark.dbt

EPS = 1e-9
VARIANTS = {
    "default": {},
    "window_7": {"activation_window_days": 7},
}


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, ScratchWarehouse]:
    """The scenario built once per var value; each build must pass every data test."""
    root = tmp_path_factory.mktemp("definitions")
    warehouses = {}
    for name, overrides in VARIANTS.items():
        warehouse = ScratchWarehouse(
            path=root / name / "warehouse.duckdb", target_dir=root / name / "target", artifacts=True
        )
        load_folder(FIXTURES_DIR / "scenario", warehouse.path, progress=False)
        # Unit tests do not read data; the data-quality marts (and the incident record after
        # them, `+`) do not depend on these vars.
        args = ["build", "--exclude-resource-type", "unit_test", "--exclude", "path:models/marts/data_quality+"]
        if overrides:
            args += ["--vars", json.dumps(overrides)]
        warehouse.dbt(*args)
        warehouses[name] = warehouse
    return warehouses


def pooled_p_value(x1: int, n1: int, x2: int, n2: int) -> float:
    """Two-sided pooled two-proportion z-test p-value."""
    pooled = (x1 + x2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    return math.erfc(abs(x2 / n2 - x1 / n1) / se / math.sqrt(2))


def test_every_mart_agreement_holds_under_each_value(builds: dict[str, ScratchWarehouse]) -> None:
    for name, warehouse in builds.items():
        results = json.loads((warehouse.target_dir / "run_results.json").read_text())["results"]
        agreements = {
            row["unique_id"].split(".")[2]: row["status"]
            for row in results
            if row["unique_id"].startswith("test.") and row["unique_id"].split(".")[2].startswith("assert_")
        }
        assert {"assert_funnel_matches_user_facts", "assert_drivers_match_decision_population",
                "assert_decision_matches_funnel_scope", "assert_stalled_users_match_user_facts",
                "assert_opportunity_matches_account_facts"} <= set(agreements), name
        assert set(agreements.values()) == {"pass"}, (name, agreements)


def funnel(warehouse: ScratchWarehouse, segment_type: str, segment_value: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    rows = warehouse.query(
        "select users_reached, users_in_progress from marts.activation_funnel"
        f" where segment_type = '{segment_type}' and segment_value = '{segment_value}' order by step_order"
    )
    return tuple(r[0] for r in rows), tuple(r[1] for r in rows)


@pytest.mark.parametrize(
    ("variant", "overall", "in_scope"),
    [
        ("default", ((16, 15, 9), (3, 3, 0)), ((11, 10, 6), (3, 3, 0))),
        ("window_7", ((19, 18, 8), (0, 0, 0)), ((14, 13, 5), (0, 0, 0))),
    ],
)
def test_funnel_follows_the_window(builds, variant, overall, in_scope) -> None:
    assert funnel(builds[variant], "overall", "overall") == overall
    assert funnel(builds[variant], "scope", "in_scope") == in_scope


@pytest.mark.parametrize(
    ("variant", "users", "dropped"),
    [("default", 10, 4), ("window_7", 13, 8)],
)
def test_decision_follows_the_window(builds, variant, users, dropped) -> None:
    row = builds[variant].query(
        "select mature_connected_users, dropped_users, post_connection_drop_rate, verdict"
        " from marts.activation_decision"
    )
    assert len(row) == 1
    got_users, got_dropped, rate, verdict = row[0]
    assert (got_users, got_dropped) == (users, dropped)
    assert abs(rate - dropped / users) <= EPS
    assert verdict == "investigate"  # fewer than min_decision_users (30) either way


#               is_activated, is_mature, dropped, returned_after_drop, returned_within_return_window, is_stalled
CHANGING_USERS = {
    "default": {
        "u13": (True, True, False, None, None, False),
        "u17": (False, False, False, None, None, True),
        "u18": (False, False, False, None, None, False),
        "u19": (False, False, False, None, None, True),
    },
    "window_7": {
        "u13": (False, True, True, True, False, False),
        "u17": (False, True, True, True, True, False),
        "u18": (False, True, True, True, False, False),
        "u19": (False, True, True, True, True, False),
    },
}


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_user_facts_of_the_users_the_vars_move(builds, variant) -> None:
    rows = {
        row[0]: row[1:]
        for row in builds[variant].query(
            "select user_id, is_activated, is_mature, dropped_after_connection, returned_after_drop,"
            " returned_within_return_window, is_stalled from marts.fct_user_activation_v2"
            " where user_id in ('u13', 'u17', 'u18', 'u19')"
        )
    }
    assert rows == CHANGING_USERS[variant]
    counts = builds[variant].query(
        "select count(*), count(case when is_connected then 1 end), count(case when is_activated then 1 end)"
        " from marts.fct_user_activation_v2"
    )[0]
    assert counts == (19, 18, 8 if variant == "window_7" else 9)


@pytest.mark.parametrize(
    ("variant", "stalled"),
    [("default", {"u17", "u19"}), ("window_7", set())],
)
def test_stalled_list_follows_the_window(builds, variant, stalled) -> None:
    assert {row[0] for row in builds[variant].query("select user_id from marts.stalled_users")} == stalled


@pytest.mark.parametrize(
    ("variant", "buckets"),
    [
        ("default", {"0-5 min": (5, 4), "5-60 min": (2, 1), "1-24 h": (1, 1), "24 h or more": (1, 0), "never": (1, 0)}),
        ("window_7", {"0-5 min": (5, 3), "5-60 min": (5, 1), "1-24 h": (1, 1), "24 h or more": (1, 0), "never": (1, 0)}),
    ],
)
def test_drivers_follow_the_decision_population(builds, variant, buckets) -> None:
    rows = {
        row[0]: (row[1], row[2])
        for row in builds[variant].query(
            "select bucket, connected_users, activated_users from marts.activation_drivers_v2 where driver = 'data_ready'"
        )
    }
    assert rows == buckets


@pytest.mark.parametrize(
    ("variant", "control", "treatment"),
    [("default", (4, 2), (5, 3)), ("window_7", (5, 2), (6, 2))],
)
def test_experiment_follows_the_window(builds, variant, control, treatment) -> None:
    rows = {
        row[0]: row[1:]
        for row in builds[variant].query(
            "select variant, exposed_users, activated_users, diff_vs_control, p_value"
            " from marts.experiment_results where flag_key = 'guided_setup_v2'"
        )
    }
    assert rows["control"][:2] == control and rows["treatment"][:2] == treatment
    diff = treatment[1] / treatment[0] - control[1] / control[0]
    assert abs(rows["treatment"][2] - diff) <= EPS
    assert abs(rows["treatment"][3] - pooled_p_value(control[1], control[0], treatment[1], treatment[0])) <= 1e-6


@pytest.mark.parametrize(
    ("variant", "fresh_mature", "growth_activated", "extra_50_99"),
    [("default", False, 2, {0.1: 0.0, 0.25: 0.0, 0.5: 0.0}), ("window_7", True, 1, {0.1: 0.1, 0.25: 0.25, 0.5: 0.5})],
)
def test_accounts_and_opportunity_follow_the_window(
    builds, variant, fresh_mature, growth_activated, extra_50_99
) -> None:
    warehouse = builds[variant]
    accounts = {
        row[0]: row[1:]
        for row in warehouse.query("select account_id, is_mature, activated_users from marts.fct_account_activation")
    }
    assert accounts["acc_fresh"][0] is fresh_mature
    assert accounts["acc_growth"][1] == growth_activated
    extra = {
        (round(row[0], 2), row[1]): row[2]
        for row in warehouse.query(
            "select relative_lift, company_size_band, extra_activated_accounts from marts.activation_opportunity"
        )
    }
    for lift, want in extra_50_99.items():
        assert abs(extra[(lift, "50-99")] - want) <= EPS
        assert abs(extra[(lift, "100-199")]) <= EPS and abs(extra[(lift, "200-500")]) <= EPS
