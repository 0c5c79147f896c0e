"""The semantic layer gives the marts' numbers: BI, SQL and `mf query` agree.

On the session's small demo build (conftest.small_demo), every metric of
models/marts/semantic is queried with MetricFlow's CLI (`mf query`, in a subprocess after
dbt has exited: it opens the warehouse) and compared with the value the marts hold,
computed here in SQL from the marts themselves, overall and per signup channel (the user's,
as the funnel's `signup_channel` segment). Rates must agree to 1e-9, counts exactly:

| metric | the mart's value |
|---|---|
| users_in_metrics, mature_users, connected_mature_users | fct_user_activation rows; activation_funnel users_reached of the signup and connection steps |
| activation_rate, connection_rate | activation_funnel rate_from_start of the activation / connection step |
| connected_activation_rate | activation_funnel: activation step's users_reached / connection step's |
| decision_users, dropped_users, post_connection_drop_rate | activation_decision (per channel: fct_user_activation, mature, in scope, connected) |
| returned_after_drop_rate, returned_within_return_window_rate | fct_user_activation: share of the in-scope dropped users |
| median_minutes_to_first_value | fct_user_activation: continuous median over activated users |
| mature_accounts, account_activation_rate, account_connection_rate | fct_account_activation; per size band in scope: activation_opportunity |
| sessions, average_session_minutes | fct_sessions of users in fct_user_activation, not excluded, started by the as-of time |

The two conversion metrics count from the connection event, not from the signup, so they
are their own view and stay out of that equality: each is checked to be a rate in [0, 1]
and equal to an independent SQL computation over fct_user_activation with MetricFlow's
window semantics (first value in [connected_at, connected_at + window), to the second), the
window taken from the values the build ran with (marts.activation_settings).

mf costs a few seconds a call, so the metrics are batched: one call overall, one per
channel, and three saved queries (the verdict, the cohort trend, the accounts per band).
"""

from __future__ import annotations

import json
import math

import pytest

from conftest import ScratchWarehouse

pytestmark = pytest.mark.dbt

COUNTS = (
    "users_in_metrics", "mature_users", "connected_mature_users", "decision_users", "dropped_users",
    "mature_accounts", "sessions",
)
USER_METRICS = (
    "users_in_metrics", "mature_users", "connected_mature_users", "activation_rate", "connection_rate",
    "connected_activation_rate", "decision_users", "dropped_users", "post_connection_drop_rate",
    "returned_after_drop_rate", "returned_within_return_window_rate", "median_minutes_to_first_value",
)
ACCOUNT_METRICS = ("mature_accounts", "account_activation_rate", "account_connection_rate")
SESSION_METRICS = ("sessions", "average_session_minutes")
CONVERSIONS = {  # metric -> the var that sets its window, and the window's unit
    "connection_to_first_value_rate": ("activation_window_days", "day"),
    "connection_to_first_value_post_connection_rate": ("post_connection_minutes", "minute"),
}
ALL_METRICS = USER_METRICS + ACCOUNT_METRICS + SESSION_METRICS + tuple(CONVERSIONS)
TOLERANCE = 1e-9


def _number(text: str | None) -> float | None:
    return None if text in (None, "") else float(text)


def _mismatches(got: dict[str, float | None], expected: dict[str, float | None], where: str) -> list[str]:
    """Every metric whose value differs: counts exactly, the rest to TOLERANCE (relative above 1)."""
    problems = []
    for metric, want in expected.items():
        have = got.get(metric)
        if want is None or have is None:
            same = want is None and have is None
        elif metric in COUNTS:
            same = have == want
        else:
            same = math.isclose(have, want, rel_tol=TOLERANCE, abs_tol=TOLERANCE)
        if not same:
            problems.append(f"{where}: {metric} = {have!r} from mf, {want!r} from the marts")
    return problems


def _ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


# ------------------------------------------------------------------------------ the marts' values

def _funnel(demo: ScratchWarehouse, segment_type: str) -> dict[str, dict[str, float | None]]:
    """Per segment value: the funnel metrics, from activation_funnel and the milestones seed's roles."""
    steps: dict[str, dict[str, tuple[int, float | None]]] = {}
    for value, role, reached, from_start in demo.query(
        "select funnel.segment_value, milestones.milestone_role, funnel.users_reached, funnel.rate_from_start"
        " from marts.activation_funnel as funnel"
        " inner join seeds.milestones as milestones on funnel.milestone = milestones.milestone_key"
        f" where funnel.segment_type = '{segment_type}'"
        " and milestones.milestone_role in ('signup', 'connection', 'activation')"
    ):
        steps.setdefault(value, {})[role] = (reached, from_start)
    return {
        value: {
            "mature_users": roles["signup"][0],
            "connected_mature_users": roles["connection"][0],
            "connection_rate": roles["connection"][1],
            "activation_rate": roles["activation"][1],
            "connected_activation_rate": _ratio(roles["activation"][0], roles["connection"][0]),
        }
        for value, roles in steps.items()
    }


def _user_facts(demo: ScratchWarehouse, group: str) -> dict[str, dict[str, float | None]]:
    """Per value of `group` (a fct_user_activation column or a constant): what only the user facts hold."""
    rows = demo.query(
        f"select {group} as segment_value, count(*),"
        " count(*) filter (where is_mature and is_in_scope and is_connected),"
        " count(*) filter (where is_in_scope and dropped_after_connection),"
        " count(*) filter (where is_in_scope and dropped_after_connection and returned_after_drop),"
        " count(*) filter (where is_in_scope and dropped_after_connection and returned_within_return_window),"
        " quantile_cont(minutes_to_first_value, 0.5) filter (where is_activated)"
        f" from marts.fct_user_activation_v2 group by {group}"
    )
    return {
        value: {
            "users_in_metrics": users,
            "decision_users": decision,
            "dropped_users": dropped,
            "post_connection_drop_rate": _ratio(dropped, decision),
            "returned_after_drop_rate": _ratio(returned, dropped),
            "returned_within_return_window_rate": _ratio(returned_in_window, dropped),
            "median_minutes_to_first_value": median,
        }
        for value, users, decision, dropped, returned, returned_in_window, median in rows
    }


def _sessions(demo: ScratchWarehouse, group: str) -> dict[str, dict[str, float | None]]:
    rows = demo.query(
        f"select {group} as segment_value, count(*), avg(sessions.duration_minutes)"
        " from marts.fct_sessions as sessions"
        " inner join marts.fct_user_activation_v2 as users on sessions.user_id = users.user_id"
        " where not sessions.is_excluded_from_metrics and sessions.started_at <= users.as_of"
        f" group by {group}"
    )
    return {value: {"sessions": count, "average_session_minutes": minutes} for value, count, minutes in rows}


def _conversions(demo: ScratchWarehouse, group: str) -> dict[str, dict[str, float | None]]:
    """Independently of MetricFlow: of the mature users' connections, the share followed by
    the same user's first value at or after it and less than the window after it (seconds)."""
    in_force = dict(demo.query("select setting_name, value_in_force from marts.activation_settings"))
    converted = ", ".join(
        "count(*) filter (where first_value_at is not null"
        " and date_trunc('second', first_value_at) >= date_trunc('second', connected_at)"
        f" and date_trunc('second', first_value_at) < date_trunc('second', connected_at)"
        f" + interval {int(in_force[var])} {unit})"
        for var, unit in CONVERSIONS.values()
    )
    rows = demo.query(
        f"select {group} as segment_value, count(*), {converted}"
        f" from marts.fct_user_activation_v2 where is_mature and is_connected group by {group}"
    )
    return {
        value: {metric: _ratio(hits, base) for metric, hits in zip(CONVERSIONS, hit_counts)}
        for value, base, *hit_counts in rows
    }


def _accounts(demo: ScratchWarehouse) -> dict[str, float | None]:
    mature, connected, activated = demo.query(
        "select count(*) filter (where is_mature), count(*) filter (where is_mature and is_connected),"
        " count(*) filter (where is_mature and is_activated) from marts.fct_account_activation"
    )[0]
    return {"mature_accounts": mature, "account_connection_rate": _ratio(connected, mature),
            "account_activation_rate": _ratio(activated, mature)}


def _merge(*parts: dict[str, dict[str, float | None]]) -> dict[str, dict[str, float | None]]:
    merged: dict[str, dict[str, float | None]] = {}
    for part in parts:
        for value, metrics in part.items():
            merged.setdefault(value, {}).update(metrics)
    return merged


# ------------------------------------------------------------------------------ fixtures

@pytest.fixture(scope="module")
def demo(small_demo: ScratchWarehouse) -> ScratchWarehouse:
    return small_demo


@pytest.fixture(scope="module")
def overall(demo: ScratchWarehouse) -> dict[str, float | None]:
    (row,) = demo.mf("--metrics", ",".join(ALL_METRICS))
    return {metric: _number(value) for metric, value in row.items()}


@pytest.fixture(scope="module")
def by_channel(demo: ScratchWarehouse) -> dict[str, dict[str, float | None]]:
    metrics = USER_METRICS + SESSION_METRICS + tuple(CONVERSIONS)
    rows = demo.mf("--metrics", ",".join(metrics), "--group-by", "user__signup_channel")
    return {row.pop("user__signup_channel"): {m: _number(v) for m, v in row.items()} for row in rows}


# ------------------------------------------------------------------------------ tests

def test_every_metric_is_tested(demo: ScratchWarehouse) -> None:
    manifest = json.loads((demo.target_dir / "semantic_manifest.json").read_text())
    assert {metric["name"] for metric in manifest["metrics"]} == set(ALL_METRICS)


def test_every_metric_overall_equals_the_marts(demo: ScratchWarehouse, overall: dict[str, float | None]) -> None:
    (decision,) = demo.query(
        "select mature_connected_users, dropped_users, post_connection_drop_rate from marts.activation_decision")
    expected = {
        **_funnel(demo, "overall")["overall"],
        **_user_facts(demo, "'overall'")["overall"],
        # The decision's own numbers, from its mart (the user facts must say the same).
        "decision_users": decision[0], "dropped_users": decision[1], "post_connection_drop_rate": decision[2],
        **_accounts(demo),
        **_sessions(demo, "'overall'")["overall"],
    }
    assert set(expected) == set(ALL_METRICS) - set(CONVERSIONS)
    assert expected["decision_users"] >= 30 and expected["dropped_users"] > 0  # the demo has a population
    assert _mismatches(overall, expected, "overall") == []


def test_every_user_and_session_metric_per_signup_channel_equals_the_marts(
    demo: ScratchWarehouse, by_channel: dict[str, dict[str, float | None]]
) -> None:
    expected = _merge(_funnel(demo, "signup_channel"), _user_facts(demo, "signup_channel"),
                      _sessions(demo, "users.signup_channel"))
    assert set(by_channel) == set(expected) and len(expected) >= 2
    problems = []
    for channel, metrics in expected.items():
        assert set(metrics) == set(USER_METRICS + SESSION_METRICS)
        problems += _mismatches(by_channel[channel], metrics, f"signup_channel={channel}")
    assert problems == []


def test_conversion_metrics_count_from_the_connection(
    demo: ScratchWarehouse, overall: dict[str, float | None], by_channel: dict[str, dict[str, float | None]]
) -> None:
    expected = {"overall": _conversions(demo, "'overall'")["overall"], **_conversions(demo, "signup_channel")}
    got = {"overall": overall, **by_channel}
    problems = []
    for where, metrics in expected.items():
        for metric in CONVERSIONS:
            assert got[where][metric] is not None and 0 <= got[where][metric] <= 1, (where, metric)
        problems += _mismatches(got[where], metrics, where)
    assert problems == []
    # A window of minutes converts no more than one of days; some first values take longer.
    assert overall["connection_to_first_value_post_connection_rate"] < overall["connection_to_first_value_rate"]
    # Within the whole window nobody converts who is not activated.
    assert overall["connection_to_first_value_rate"] <= overall["connected_activation_rate"] + TOLERANCE


def test_saved_query_verdict_overall_is_the_decision(demo: ScratchWarehouse) -> None:
    (row,) = demo.mf("--saved-query", "verdict_overall")
    (decision,) = demo.query(
        "select mature_connected_users, dropped_users, post_connection_drop_rate from marts.activation_decision")
    got = {metric: _number(value) for metric, value in row.items()}
    funnel = _funnel(demo, "overall")["overall"]
    facts = _user_facts(demo, "'overall'")["overall"]
    expected = {
        "post_connection_drop_rate": decision[2], "decision_users": decision[0], "dropped_users": decision[1],
        "mature_users": funnel["mature_users"], "activation_rate": funnel["activation_rate"],
        "connection_rate": funnel["connection_rate"], "connected_activation_rate": funnel["connected_activation_rate"],
        "returned_after_drop_rate": facts["returned_after_drop_rate"],
        "returned_within_return_window_rate": facts["returned_within_return_window_rate"],
        "median_minutes_to_first_value": facts["median_minutes_to_first_value"],
    }
    assert set(got) == set(expected)
    assert _mismatches(got, expected, "verdict_overall") == []


def test_saved_query_cohort_by_signup_week_is_the_funnel_cohort_trend(demo: ScratchWarehouse) -> None:
    rows = demo.mf("--saved-query", "cohort_by_signup_week")
    got = {row["user__signup_cohort_week__week"][:10]: {m: _number(row[m]) for m in
                                                        ("connected_mature_users", "connected_activation_rate")}
           for row in rows}
    # The weeks with mature connected users (younger weeks have none and no rate).
    expected = {week: {m: metrics[m] for m in ("connected_mature_users", "connected_activation_rate")}
                for week, metrics in _funnel(demo, "signup_cohort_week").items() if metrics["connected_mature_users"]}
    assert len(expected) >= 10 and set(got) == set(expected)
    assert [row["user__signup_cohort_week__week"][:10] for row in rows] == sorted(expected)
    problems = []
    for week, metrics in expected.items():
        problems += _mismatches(got[week], metrics, f"week {week}")
    assert problems == []


def test_saved_query_accounts_by_size_band_is_the_opportunity_base(demo: ScratchWarehouse) -> None:
    rows = demo.mf("--saved-query", "accounts_by_size_band")
    got = {row.pop("account__company_size_band"): {m: _number(v) for m, v in row.items()} for row in rows}
    expected = {
        band: {"mature_accounts": mature, "account_connection_rate": _ratio(connected, mature),
               "account_activation_rate": _ratio(activated, mature)}
        for band, mature, connected, activated in demo.query(
            "select distinct company_size_band, mature_accounts, connected_accounts, activated_accounts"
            " from marts.activation_opportunity")
    }
    assert len(expected) >= 2 and set(got) == set(expected)
    problems = []
    for band, metrics in expected.items():
        problems += _mismatches(got[band], metrics, f"company_size_band={band}")
    assert problems == []
