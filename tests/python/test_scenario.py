"""Acceptance test: a hand-written scenario, every mart number computed by hand from the spec.

The expected values below come from the written definitions (docs/activation-definition.md,
models/_definitions.md) and the raw contract (docs/loading-data.md), never from the project's SQL. The fixture is
tests/python/data/scenario/*.csv. All times are UTC unless an offset is written.

Definitions used (spec, vars at their defaults)
-----------------------------------------------
window = 14 days (bounds included, exact elapsed time); session timeout 30 min (a gap of
exactly 30 min does NOT split); stall_days 3; return window 7 days; in scope = 50..500
employees; as_of = latest clean occurred_at of ANY event (internal and test included).

as_of: the internal user u90's page view e9002 at 2026-04-30T12:00:00Z is the latest clean
event. (e9099, 2026-05-03, is received on 04-29, i.e. 4 days ahead of its receipt: it is
quarantined and must not move as_of.) If internal traffic were wrongly left out of as_of,
it would become 2026-04-29 12:00 (u18's click) and u19 would no longer be stalled.

  mature  <=> signed_up_at + 14 d <= 2026-04-30 12:00  <=> signed up at or before 2026-04-16 12:00
  stalled needs the last user action <= as_of - 3 d = 2026-04-27 12:00.

Accounts (band from employee_count; scope 50..500; channel)
-----------------------------------------------------------
acc_mid     120  100-199  in   self_serve
acc_ops      60  50-99    in   sales_assisted
acc_fresh    75  50-99    in   sales_assisted   (only an in-progress user: account not mature)
acc_growth  250  200-500  in   self_serve
acc_big     800  501+     out  sales_assisted   (enterprise: security_review applies)
acc_small    20  1-49     out  self_serve
acc_unknown null unknown  out  unknown (signup_channel null)
acc_test     80  test account: u12 and all its events excluded everywhere
acc_vendor   40  only the internal user u90: no user in the metrics, so not in the metrics

Users and their journeys (c = connected_at, fv = first_value_at; minutes are exact)
----------------------------------------------------------------------------------
Signup week 2026-04-06 (Mon) unless stated. All mature except u17, u18, u19.

u01 acc_mid   signup 04-06 09:00. Connects 11:10+02:00 = 09:10 (crm, c01); c01 sync_completed
    09:12 (data ready 2 min, bucket 0-5); template_gallery_viewed 09:15 (inside
    (09:10, min(09:40, fv)]); "Dashboard Created" 09:20 = fv (delivered twice: one dup).
    -> activated, minutes_to_first_value 10, data_ready 2, no failure. 3/3 milestones.
    guided_setup_v2 treatment at 09:01 (and again 04-07: the first exposure counts), < fv.
u02 acc_mid   signup 04-06 10:00. "data-source-connected" 10:05 (erp); sync_completed 10:10
    (data ready exactly 5 -> bucket 5-60 since [5,60)); empty_state_viewed 10:12 (inside
    the 30 min); page 10:20. A dashboard_created at 10:30 with an EMPTY event_id is
    quarantined (it would otherwise activate u02). Returns 04-09 14:00 (new session,
    3 d 3 h 55 min after c <= 7 d). -> dropped, returned_after_drop T, returned_within_return_window T.
    control at 10:01.
u03 acc_mid   signup 04-07 09:00. Connects 09:05 (spreadsheet); page 09:10; sync_completed
    04-08 11:05 (26 h = 1560 min -> bucket "24 h or more"); returns 04-15 10:00 (8 d 55 min
    after c > 7 d). -> dropped, returned T, returned_within_return_window F. control at 09:02.
u04 acc_mid   signup 04-07 11:00. Connects 11:10 (crm); sync_failed 11:12 permission_denied;
    never a sync_completed (data_ready null, bucket never, sync_failed_before_ready T);
    pages 11:15, 11:45, 12:15 (gaps of exactly 30 min: still the connecting session, so
    NOT a return). A dashboard_created dated 2026-04-31 (no such day) is quarantined.
    -> dropped, returned F, returned_within_return_window F. treatment at 11:05.
u05 acc_ops   signup 04-08 09:00 (signed_up sent as 11:00+02:00). Connects 09:30 (database);
    sync_started 09:31; sync_completed 11:30 (120 min -> 1-24 h); dashboard_created
    07:45-04:00 = 11:45 = fv. -> activated, minutes_to_first_value 135. control 09:10.
u06 acc_ops   signup 04-08 10:00. dashboard_created 10:05 BEFORE connecting (not first value);
    connects 10:20 (crm); sync_completed 10:21 (1 min); dashboard_created 10:40:30 = fv;
    template_gallery_viewed 10:45 is after fv, so not in (c, min(c+30, fv)].
    -> activated, minutes_to_first_value 20.5. treatment 10:02.
u07 acc_ops   (is_internal blank = false) signup 04-09 09:00. Connects 09:20 (erp);
    sync_failed 09:25 schema_mismatch; sync_completed 10:05 (45 min -> 5-60);
    report_scheduled 04-10 08:00 = fv (22 h 40 min = 1360 min). -> activated,
    sync_failed_before_ready T. No exposure.
u08 acc_big   signup 04-06 13:00. Connects 13:30 (erp); sync_completed 13:40 (10 min);
    report_scheduled 14:00 = fv (30 min); security_review_completed 04-07 10:00 (after fv,
    so it counts whichever milestone it is measured from). -> 4/4 milestones.
u09 acc_big   signup 04-09 09:00. Connects 09:20 (database); nothing else (no sync at all:
    data_ready null, sync_failed_before_ready F). -> dropped, returned F, 2/4 milestones.
u10 acc_small signup 04-09 10:00. Connects 10:10 (spreadsheet); sync 10:11 (1 min);
    teammate_invited 10:30 = fv (20 min). -> activated (out of scope). control 10:05
    (experiments are not restricted to the scope).
u11 acc_unknown signup 04-10 09:00. Anonymous page view (ak11) 08:50; signed_up carries u11
    AND ak11; data_source_connected 09:10 carries ONLY ak11 and no account (marketing
    property; raw.data_source_connections says "other": the property wins) -> it is u11's
    connection, account acc_unknown; sync_completed 09:12 (2); dashboard_created 09:30 = fv
    (20). -> activated, band unknown, channel unknown, out of scope. One session of 4 events.
u12 acc_test  test account: connects and activates; excluded everywhere.
u13 acc_growth signup 04-06 08:00. Connects 08:30 (crm); sync 08:33 (3); dashboard_created
    04-20 08:00:00 = EXACTLY 14 d after signup: counts. minutes_to_first_value =
    14*1440 - 30 = 20130. -> activated. treatment 08:10.
u14 acc_growth signup 04-06 08:00. Connects 08:30 (crm); sync 08:34 (4 -> 0-5); page 08:40;
    returns 04-12 08:00 (5 d 23 h 30 min after c); dashboard_created 04-20 08:00:01 =
    14 d + 1 s: outside the window, not first value. A dashboard_created claiming 04-15 but
    received 04-12 (3 d ahead) is quarantined. -> dropped, returned T, within the return window T.
    Exposed to control (08:05) AND treatment (08:10): excluded from the experiment.
u15 acc_growth signup 04-09 13:00. Connects 13:10 (crm); sync 13:11:30 (1.5); empty_state_viewed
    13:15; template_gallery_viewed 13:20; dashboard_created 13:50 = fv (40).
    -> activated. treatment at 14:00, AFTER fv: not counted in the experiment.
u16 acc_growth signup 04-10 09:00. page 09:05 (properties "not json": kept, flagged). Never
    connects: is_connected F, data_source_type none, 1/3. treatment 09:02: counts (mature,
    no first value).
u17 acc_mid   signup 04-20 10:00 (week 2026-04-20). Connects 10:10 (crm); sync 10:15 (5);
    last action page 04-22 09:00. Window ends 05-04 10:00 (open at as_of).
    -> in progress, STALLED: days_since_last_action = 8 d 3 h = 8.125,
       days_left_in_window = 3 d 22 h = 3 + 22/24. treatment 10:05: immature, not counted.
u18 acc_fresh signup 04-21 09:00. Connects 09:30 (erp); sync 09:40 (10); "Button Clicked"
    04-29 12:00 (outside the tracking plan: still a user action) -> not stalled (1 day).
u19 acc_growth signup 04-22 15:00 (Wed, week 2026-04-20). Connects 15:20 (crm; delivered
    twice: one dup); sync 15:25 (5); page 04-27 12:00:00 = exactly 3 d before as_of
    ("at least 3 days": stalled); a backend re-sync 04-29 06:00 is not a user action.
    -> STALLED: days_since_last_action 3.0, days_left_in_window = 05-06 15:00 - as_of =
       6 d 3 h = 6.125.
u20 acc_small signup 2026-04-16 12:00:00 (Thu, week 2026-04-13): signup + 14 d == as_of, so
    mature (<=). Connects 12:30 with a connection_id but no source_type property ->
    source_type of c20 in raw.data_source_connections = support. page 12:40.
    -> dropped, returned F, not stalled (its window is over: mature users are never stalled).
u90 acc_vendor internal: excluded everywhere, but its page view fixes as_of.

Raw events: 100 rows = 94 clean + 4 quarantined (missing_event_id 1, unparseable 1,
occurred_after_received 2) + 2 duplicates (e0106, e1902).

Users in the metrics: u01-u11, u13-u20 (19). Mature: those minus u17, u18, u19 (16).

fct_user_activation (see USERS below for the full table).
  returned_after_drop is "null unless dropped"; returned_within_return_window is defined on "such a
  session", so it is taken as null unless dropped as well.

activation_funnel (users_reached = MATURE users reaching the step, as the rates are over
mature users; users_in_progress = in-progress users who reached the step):
  overall          16/15/9   in progress 3/3/0
    rates: step 2 15/16 from previous and from start; step 3 9/15 from previous, 9/16 from start
  in_scope         u01-u07, u13-u16 = 11 / 10 (not u16) / 6 (u01 u05 u06 u07 u13 u15); ip 3/3/0
  out_of_scope     u08 u09 u10 u11 u20 = 5 / 5 / 3 (u08 u10 u11); ip 0/0/0
  100-199          u01-u04 4/4/1 ; ip u17 1/1/0
  50-99            u05-u07 3/3/3 ; ip u18 1/1/0
  200-500          u13-u16 4/3/2 ; ip u19 1/1/0
  501+             2/2/1 ; 1-49 (u10 u20) 2/2/1 ; unknown (u11) 1/1/1
  self_serve       u01-u04 u10 u13-u16 u20 = 10/9/4 (u01 u10 u13 u15); ip u17 u19 2/2/0
  sales_assisted   u05-u09 = 5/5/4 ; ip u18 1/1/0
  unknown channel  u11 1/1/1
  data_source_type crm u01 u04 u06 u13 u14 u15 6/6/4 (ip u17 u19); erp u02 u07 u08 3/3/2 (ip u18);
                   spreadsheet u03 u10 2/2/1; database u05 u09 2/2/1; marketing 1/1/1;
                   support 1/1/0; none (u16) 1/0/0
  cohort weeks     2026-04-06: 15/14/9 ; 2026-04-13: 1/1/0 ; 2026-04-20: 0/0/0 with ip 3/3/0

Decision population = mature, in-scope, connected users:
  u01 u02 u03 u04 u05 u06 u07 u13 u14 u15 = 10; dropped u02 u03 u04 u14 = 4; rate 0.4.
  Wilson 95% (z = 1.959963984540054, n = 10, p = 0.4):
    low/high = (p + z^2/2n -/+ z*sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n)
             = 0.168180... / 0.687326...
  (z = 1.96 would move them by < 5e-6, hence a 1e-5 tolerance.) 10 < 30 -> investigate.

activation_drivers (same 10 users; A = activated):
  data_ready  0-5 min: u01(2,A) u06(1,A) u13(3,A) u14(4) u15(1.5,A) = 5 / 4
              5-60 min: u02(5) u07(45,A) = 2 / 1
              1-24 h: u05(120,A) = 1 / 1 ; 24 h or more: u03(1560) = 1 / 0 ; never: u04 = 1 / 0
  sync_error  none 8 / 5 ; permission_denied (u04) 1 / 0 ; schema_mismatch (u07) 1 / 1
  empty_state_post_connection       seen: u02, u15 = 2 / 1 ; not: 8 / 5
  template_gallery_post_connection  seen: u01, u15 = 2 / 2 ; not (u06's view came after fv): 8 / 4

stalled_users: u17 (8.125, 3.91666...), u19 (3.0, 6.125). For people: stalled since
  last action + 3 d: u17 04-25 09:00, u19 04-30 12:00 (the as-of time itself); whole days
  stalled 8 and 3, whole days left 3 and 6; both became stalled less than 7 days before
  04-30 12:00 (u17 5 d 3 h, u19 0): newly stalled; last action page_viewed for both.

experiment_results, guided_setup_v2 (mature users; first exposure >= signup, in the window,
strictly before fv):
  control   u02 u03 u05 u10 -> 4 exposed, 2 activated (u05 u10), rate 0.5
  treatment u01 u04 u06 u13 u16 -> 5 exposed, 3 activated (u01 u06 u13), rate 0.6
  excluded: u14 (both variants), u15 (after fv), u17 u18 (not mature), u12 u90 (excluded).
  diff = 0.1; pooled p = 5/9, se = sqrt(p(1-p)(1/4 + 1/5)) = 1/3, z = 0.3,
  two-sided p-value = erfc(z / sqrt 2) = 0.76417...

fct_account_activation (users / connected / activated / mature = its first user is):
  acc_mid 5/5/1 T (u01 u02 u03 u04 u17), acc_ops 3/3/3 T, acc_fresh 1/1/0 F,
  acc_growth 5/4/2 T (u13 u14 u15 u16 u19), acc_big 2/2/1 T, acc_small 2/2/1 T,
  acc_unknown 1/1/1 T. Not present: acc_test (test), acc_vendor (no user in the metrics).

activation_opportunity: every mature in-scope account (acc_mid, acc_ops, acc_growth) is
  activated, so extra = min(activated x lift, connected - activated) = 0 everywhere.
"""

from __future__ import annotations

import math
from datetime import datetime

import pytest

from conftest import ScratchWarehouse

pytestmark = pytest.mark.dbt

AS_OF = datetime(2026, 4, 30, 12, 0)
EPS = 1e-9

#: None or False: a flag the spec leaves undefined for this user (see the docstring).
NONE_OR_FALSE = object()


@pytest.fixture(scope="module")
def built(scenario_build: ScratchWarehouse) -> ScratchWarehouse:
    return scenario_build


def _same(expected, actual) -> bool:
    if expected is NONE_OR_FALSE:
        return actual is None or actual is False
    if expected is None or actual is None:
        return expected is None and actual is None
    if isinstance(expected, bool) or isinstance(actual, bool):
        return expected is actual or (isinstance(actual, bool) and actual == expected)
    if isinstance(expected, float):
        return abs(float(actual) - expected) <= EPS
    return expected == actual


def _mismatches(expected: dict, actual: dict, columns: tuple[str, ...]) -> list[str]:
    problems = []
    for key, want in expected.items():
        got = actual.get(key)
        if got is None:
            problems.append(f"{key}: missing")
            continue
        for column, w, g in zip(columns, want, got):
            if not _same(w, g):
                problems.append(f"{key}.{column}: expected {w!r}, got {g!r}")
    return problems


# ---------------------------------------------------------------------------------------
# fct_user_activation
# ---------------------------------------------------------------------------------------

USER_FLAGS = (
    "is_connected", "is_activated", "is_mature", "dropped_after_connection",
    "returned_after_drop", "returned_within_return_window", "is_stalled",
)
T, F, N = True, False, None
#                conn act mature dropped returned in_window stalled
USERS_FLAGS = {
    "u01": (T, T, T, F, N, N, F),
    "u02": (T, F, T, T, T, T, F),
    "u03": (T, F, T, T, T, F, F),
    "u04": (T, F, T, T, F, F, F),
    "u05": (T, T, T, F, N, N, F),
    "u06": (T, T, T, F, N, N, F),
    "u07": (T, T, T, F, N, N, F),
    "u08": (T, T, T, F, N, N, F),
    "u09": (T, F, T, T, F, F, F),
    "u10": (T, T, T, F, N, N, F),
    "u11": (T, T, T, F, N, N, F),
    "u13": (T, T, T, F, N, N, F),
    "u14": (T, F, T, T, T, T, F),
    "u15": (T, T, T, F, N, N, F),
    "u16": (F, F, T, F, N, N, F),
    "u17": (T, F, F, F, N, N, T),
    "u18": (T, F, F, F, N, N, F),
    "u19": (T, F, F, F, N, N, T),
    "u20": (T, F, T, T, F, F, F),
}

USER_SEGMENTS = (
    "account_id", "data_source_type", "company_size_band", "signup_channel",
    "milestones_completed", "milestones_applicable",
)
USERS_SEGMENTS = {
    "u01": ("acc_mid", "crm", "100-199", "self_serve", 3, 3),
    "u02": ("acc_mid", "erp", "100-199", "self_serve", 2, 3),
    "u03": ("acc_mid", "spreadsheet", "100-199", "self_serve", 2, 3),
    "u04": ("acc_mid", "crm", "100-199", "self_serve", 2, 3),
    "u05": ("acc_ops", "database", "50-99", "sales_assisted", 3, 3),
    "u06": ("acc_ops", "crm", "50-99", "sales_assisted", 3, 3),
    "u07": ("acc_ops", "erp", "50-99", "sales_assisted", 3, 3),
    "u08": ("acc_big", "erp", "501+", "sales_assisted", 4, 4),
    "u09": ("acc_big", "database", "501+", "sales_assisted", 2, 4),
    "u10": ("acc_small", "spreadsheet", "1-49", "self_serve", 3, 3),
    "u11": ("acc_unknown", "marketing", "unknown", "unknown", 3, 3),
    "u13": ("acc_growth", "crm", "200-500", "self_serve", 3, 3),
    "u14": ("acc_growth", "crm", "200-500", "self_serve", 2, 3),
    "u15": ("acc_growth", "crm", "200-500", "self_serve", 3, 3),
    "u16": ("acc_growth", "none", "200-500", "self_serve", 1, 3),
    "u17": ("acc_mid", "crm", "100-199", "self_serve", 2, 3),
    "u18": ("acc_fresh", "erp", "50-99", "sales_assisted", 2, 3),
    "u19": ("acc_growth", "crm", "200-500", "self_serve", 2, 3),
    "u20": ("acc_small", "support", "1-49", "self_serve", 2, 3),
}

USER_DURATIONS = ("minutes_to_first_value", "data_ready_minutes", "sync_failed_before_ready")
USERS_DURATIONS = {
    "u01": (10.0, 2.0, F),
    "u02": (N, 5.0, F),
    "u03": (N, 1560.0, F),
    "u04": (N, N, T),  # permission_denied, never ready
    "u05": (135.0, 120.0, F),
    "u06": (20.5, 1.0, F),
    "u07": (1360.0, 45.0, T),  # schema_mismatch at +5, ready at +45
    "u08": (30.0, 10.0, F),
    "u09": (N, N, F),  # never ready, but no sync_failed at all
    "u10": (20.0, 1.0, F),
    "u11": (20.0, 2.0, F),
    "u13": (14 * 1440.0 - 30.0, 3.0, F),  # 20130: first value exactly 14 d after signup
    "u14": (N, 4.0, F),
    "u15": (40.0, 1.5, F),
    "u16": (N, N, NONE_OR_FALSE),  # no connection: the flag is undefined
    "u17": (N, 5.0, F),
    "u18": (N, 10.0, F),
    "u19": (N, 5.0, F),
    "u20": (N, N, F),
}


def _user_rows(built: ScratchWarehouse, columns: tuple[str, ...]) -> dict:
    return {
        row[0]: row[1:]
        for row in built.query(f"select user_id, {', '.join(columns)} from marts.fct_user_activation_v2")
    }


def test_users_in_the_metrics(built: ScratchWarehouse) -> None:
    users = sorted(row[0] for row in built.query("select user_id from marts.fct_user_activation_v2"))
    assert users == sorted(USERS_FLAGS)  # no u12 (test account), no u90 (internal)


def test_user_flags(built: ScratchWarehouse) -> None:
    assert _mismatches(USERS_FLAGS, _user_rows(built, USER_FLAGS), USER_FLAGS) == []


def test_user_segments_and_milestones(built: ScratchWarehouse) -> None:
    assert _mismatches(USERS_SEGMENTS, _user_rows(built, USER_SEGMENTS), USER_SEGMENTS) == []


def test_user_durations(built: ScratchWarehouse) -> None:
    assert _mismatches(USERS_DURATIONS, _user_rows(built, USER_DURATIONS), USER_DURATIONS) == []


def test_user_times(built: ScratchWarehouse) -> None:
    rows = _user_rows(built, ("connected_at", "first_value_at", "signed_up_at", "signup_cohort_week"))
    expected = {
        # 11:10+02:00; the dashboard at 09:20.
        "u01": (datetime(2026, 4, 6, 9, 10), datetime(2026, 4, 6, 9, 20)),
        # 07:45-04:00
        "u05": (datetime(2026, 4, 8, 9, 30), datetime(2026, 4, 8, 11, 45)),
        # the dashboard before connecting is not first value
        "u06": (datetime(2026, 4, 8, 10, 20), datetime(2026, 4, 8, 10, 40, 30)),
        # the anonymous-only connection
        "u11": (datetime(2026, 4, 10, 9, 10), datetime(2026, 4, 10, 9, 30)),
        "u13": (datetime(2026, 4, 6, 8, 30), datetime(2026, 4, 20, 8, 0)),
        "u14": (datetime(2026, 4, 6, 8, 30), None),
        "u16": (None, None),
    }
    assert {user: rows[user][:2] for user in expected} == expected
    assert rows["u20"][2] == datetime(2026, 4, 16, 12, 0)
    assert str(rows["u19"][3])[:10] == "2026-04-20"  # a Wednesday signup, Monday of its week
    assert str(rows["u20"][3])[:10] == "2026-04-13"


# ---------------------------------------------------------------------------------------
# Cleaning, identity, sessions, as-of
# ---------------------------------------------------------------------------------------


def test_nothing_lost_and_bad_rows_set_apart(built: ScratchWarehouse) -> None:
    assert built.scalar("select count(*) from raw.events") == 100
    assert built.scalar("select count(*) from marts.fct_events") == 94
    assert sorted(built.query("select event_id from marts.event_duplicates")) == [("e0106",), ("e1902",)]
    reasons = sorted(built.query("select coalesce(event_id, ''), reason from marts.event_quarantine"))
    assert reasons == [
        ("", "missing_event_id"),
        ("e0407", "unparseable_occurred_at"),
        ("e1407", "occurred_after_received"),
        ("e9099", "occurred_after_received"),
    ]


def test_as_of_is_the_latest_clean_event_including_internal(built: ScratchWarehouse) -> None:
    assert built.scalar("select as_of from marts.activation_decision") == AS_OF


def test_anonymous_connection_is_resolved(built: ScratchWarehouse) -> None:
    assert built.query(
        "select user_id, account_id from marts.fct_events where event_id in ('e1100', 'e1102') order by event_id"
    ) == [("u11", "acc_unknown"), ("u11", "acc_unknown")]
    # page 08:50, signed_up 09:00, connected 09:10, dashboard 09:30: one session of 4.
    assert built.query("select event_count from marts.fct_sessions where user_id = 'u11'") == [(4,)]


def test_gap_of_exactly_30_minutes_keeps_the_session(built: ScratchWarehouse) -> None:
    # u04: signed_up 11:00, connected 11:10, pages 11:15, 11:45, 12:15 (sync_failed is backend).
    assert built.query(
        "select started_at, ended_at, event_count from marts.fct_sessions where user_id = 'u04'"
    ) == [(datetime(2026, 4, 7, 11, 0), datetime(2026, 4, 7, 12, 15), 5)]


# ---------------------------------------------------------------------------------------
# activation_funnel
# ---------------------------------------------------------------------------------------

STEPS = {1: "signed_up", 2: "data_source_connected", 3: "first_value"}

#: (segment_type, segment_value) -> ((reached step 1, 2, 3), (in progress at step 1, 2, 3))
FUNNEL = {
    ("overall", "overall"): ((16, 15, 9), (3, 3, 0)),
    ("scope", "in_scope"): ((11, 10, 6), (3, 3, 0)),
    ("scope", "out_of_scope"): ((5, 5, 3), (0, 0, 0)),
    ("company_size_band", "100-199"): ((4, 4, 1), (1, 1, 0)),
    ("company_size_band", "50-99"): ((3, 3, 3), (1, 1, 0)),
    ("company_size_band", "200-500"): ((4, 3, 2), (1, 1, 0)),
    ("company_size_band", "501+"): ((2, 2, 1), (0, 0, 0)),
    ("company_size_band", "1-49"): ((2, 2, 1), (0, 0, 0)),
    ("company_size_band", "unknown"): ((1, 1, 1), (0, 0, 0)),
    ("signup_channel", "self_serve"): ((10, 9, 4), (2, 2, 0)),
    ("signup_channel", "sales_assisted"): ((5, 5, 4), (1, 1, 0)),
    ("signup_channel", "unknown"): ((1, 1, 1), (0, 0, 0)),
    ("data_source_type", "crm"): ((6, 6, 4), (2, 2, 0)),
    ("data_source_type", "erp"): ((3, 3, 2), (1, 1, 0)),
    ("data_source_type", "spreadsheet"): ((2, 2, 1), (0, 0, 0)),
    ("data_source_type", "database"): ((2, 2, 1), (0, 0, 0)),
    ("data_source_type", "marketing"): ((1, 1, 1), (0, 0, 0)),
    ("data_source_type", "support"): ((1, 1, 0), (0, 0, 0)),
    ("data_source_type", "none"): ((1, 0, 0), (0, 0, 0)),
    ("signup_cohort_week", "2026-04-06"): ((15, 14, 9), (0, 0, 0)),
    ("signup_cohort_week", "2026-04-13"): ((1, 1, 0), (0, 0, 0)),
}


def _funnel(built: ScratchWarehouse) -> dict:
    return {
        (row[0], str(row[1]), row[2]): row[3:]
        for row in built.query(
            "select segment_type, segment_value, step_order, milestone, users_reached,"
            " rate_from_previous, rate_from_start, users_in_progress from marts.activation_funnel"
        )
    }


def test_funnel_users_reached_and_in_progress(built: ScratchWarehouse) -> None:
    funnel = _funnel(built)
    problems = []
    for (segment_type, segment_value), (reached, in_progress) in FUNNEL.items():
        for step, milestone in STEPS.items():
            row = funnel.get((segment_type, segment_value, step))
            want = (milestone, reached[step - 1], in_progress[step - 1])
            got = None if row is None else (row[0], row[1], row[4])
            if got != want:
                problems.append(f"{segment_type}={segment_value} step {step}: expected {want}, got {got}")
    # Any other segment value of these types must be empty.
    for (segment_type, segment_value, step), row in funnel.items():
        if (segment_type, segment_value) not in FUNNEL and segment_value != "2026-04-20":
            if row[1] or row[4]:
                problems.append(f"unexpected {segment_type}={segment_value} step {step}: {row}")
    assert problems == []


def test_funnel_in_progress_cohort(built: ScratchWarehouse) -> None:
    # Week 2026-04-20: u17, u18, u19, all in progress: no mature user, 3 / 3 / 0 in progress.
    funnel = _funnel(built)
    got = [funnel.get(("signup_cohort_week", "2026-04-20", step)) for step in STEPS]
    assert [None if row is None else (row[1] or 0, row[4]) for row in got] == [(0, 3), (0, 3), (0, 0)]


def test_funnel_rates(built: ScratchWarehouse) -> None:
    funnel = _funnel(built)
    expected = {
        # (segment, step): (rate_from_previous, rate_from_start); None = not checked
        (("overall", "overall"), 1): (None, 1.0),
        (("overall", "overall"), 2): (15 / 16, 15 / 16),
        (("overall", "overall"), 3): (9 / 15, 9 / 16),
        (("scope", "in_scope"), 2): (10 / 11, 10 / 11),
        (("scope", "in_scope"), 3): (6 / 10, 6 / 11),
        (("scope", "out_of_scope"), 3): (3 / 5, 3 / 5),
    }
    problems = []
    for ((segment_type, segment_value), step), (from_previous, from_start) in expected.items():
        row = funnel[(segment_type, segment_value, step)]
        if from_previous is not None and not _same(from_previous, row[2]):
            problems.append(f"{segment_value} step {step} rate_from_previous: {from_previous} != {row[2]}")
        if not _same(from_start, row[3]):
            problems.append(f"{segment_value} step {step} rate_from_start: {from_start} != {row[3]}")
    assert problems == []


# ---------------------------------------------------------------------------------------
# activation_decision
# ---------------------------------------------------------------------------------------


def wilson(successes: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """Wilson score interval: (p + z²/2n ± z·sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n)."""
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return centre - half, centre + half


def test_decision(built: ScratchWarehouse) -> None:
    row = built.query(
        "select mature_connected_users, dropped_users, post_connection_drop_rate, drop_rate_ci_low,"
        " drop_rate_ci_high, verdict, verdict_reason, invest_threshold, defer_threshold"
        " from marts.activation_decision"
    )
    assert len(row) == 1
    connected, dropped, rate, low, high, verdict, reason, invest, defer = row[0]
    assert (connected, dropped) == (10, 4)  # u01-u07, u13-u15; dropped u02 u03 u04 u14
    assert abs(rate - 0.4) <= EPS
    want_low, want_high = wilson(4, 10)  # 0.16818..., 0.68733...
    assert abs(low - want_low) <= 1e-5 and abs(high - want_high) <= 1e-5
    assert verdict == "investigate"
    assert "30" in reason  # fewer than min_decision_users = 30 mature connected users
    assert (invest, defer) == (pytest.approx(0.40), pytest.approx(0.15))


# ---------------------------------------------------------------------------------------
# activation_drivers
# ---------------------------------------------------------------------------------------


def _drivers(built: ScratchWarehouse) -> dict:
    drivers: dict = {}
    for driver, bucket, connected, activated in built.query(
        "select driver, bucket, connected_users, activated_users from marts.activation_drivers_v2"
    ):
        drivers.setdefault(driver, {})[bucket] = (connected, activated)
    return drivers


def test_drivers_data_ready_and_sync_error(built: ScratchWarehouse) -> None:
    drivers = _drivers(built)
    assert drivers.get("data_ready") == {
        "0-5 min": (5, 4),  # u01 u06 u13 u15 activated, u14 not
        "5-60 min": (2, 1),  # u02 (exactly 5) dropped, u07 (45) activated
        "1-24 h": (1, 1),  # u05 (120)
        "24 h or more": (1, 0),  # u03 (1560)
        "never": (1, 0),  # u04
    }
    assert drivers.get("sync_error") == {
        "none": (8, 5),
        "permission_denied": (1, 0),  # u04
        "schema_mismatch": (1, 1),  # u07
    }


def test_drivers_post_connection_window(built: ScratchWarehouse) -> None:
    drivers = _drivers(built)
    # Two buckets each (labels not asserted): seen / not seen.
    assert sorted(drivers.get("empty_state_post_connection", {}).values()) == [(2, 1), (8, 5)]  # u02, u15
    assert sorted(drivers.get("template_gallery_post_connection", {}).values()) == [(2, 2), (8, 4)]  # u01, u15


def test_drivers_connecting_session_minutes(built: ScratchWarehouse) -> None:
    # Length of the session holding the connection (user actions only; a gap of exactly
    # 30 min stays in the session):
    #   u01 09:00-09:20 20 (A)   u02 10:00-10:20 20      u03 09:00-09:10 10
    #   u04 11:00-12:15 75       u05 09:00-09:30 30 (A; the 11:45 dashboard is a new session)
    #   u06 10:00-10:45 45 (A)   u07 09:00-09:20 20 (A)  u13 08:00-08:30 30 (A)
    #   u14 08:00-08:40 40       u15 13:00-13:50 50 (A)
    buckets = _drivers(built).get("connecting_session_minutes", {})
    non_empty = {bucket: counts for bucket, counts in buckets.items() if counts != (0, 0)}
    assert non_empty == {"5-15 min": (1, 0), "15-60 min": (8, 6), "60 min or more": (1, 0)}


def test_every_driver_partitions_the_ten_users(built: ScratchWarehouse) -> None:
    drivers = _drivers(built)
    assert set(drivers) >= {
        "data_ready", "sync_error", "empty_state_post_connection", "template_gallery_post_connection", "connecting_session_minutes",
    }
    assert {driver: sum(c for c, _ in buckets.values()) for driver, buckets in drivers.items()} == {
        driver: 10 for driver in drivers
    }
    assert {driver: sum(a for _, a in buckets.values()) for driver, buckets in drivers.items()} == {
        driver: 6 for driver in drivers
    }


# ---------------------------------------------------------------------------------------
# stalled_users
# ---------------------------------------------------------------------------------------


def test_stalled_users(built: ScratchWarehouse) -> None:
    rows = {
        row[0]: row[1:]
        for row in built.query(
            "select user_id, account_id, days_since_last_action, days_left_in_window from marts.stalled_users"
        )
    }
    assert sorted(rows) == ["u17", "u19"]
    # u17: as_of - 04-22 09:00 = 8 d 3 h; 05-04 10:00 - as_of = 3 d 22 h.
    assert rows["u17"][0] == "acc_mid"
    assert abs(rows["u17"][1] - 8.125) <= EPS
    assert abs(rows["u17"][2] - (3 + 22 / 24)) <= EPS
    # u19: exactly 3 d since its last user action (the 04-29 re-sync is backend);
    # 05-06 15:00 - as_of = 6 d 3 h.
    assert rows["u19"][0] == "acc_growth"
    assert abs(rows["u19"][1] - 3.0) <= EPS
    assert abs(rows["u19"][2] - 6.125) <= EPS


def test_stalled_users_for_people(built: ScratchWarehouse) -> None:
    """The columns a person reads on the nudge list, worked by hand in the docstring above."""
    rows = {
        row[0]: row[1:]
        for row in built.query(
            "select user_id, data_source_type, whole_days_stalled, whole_days_left, stalled_since,"
            " is_newly_stalled, last_action_name from marts.stalled_users"
        )
    }
    assert rows == {
        "u17": ("crm", 8, 3, datetime(2026, 4, 25, 9), True, "page_viewed"),
        "u19": ("crm", 3, 6, datetime(2026, 4, 30, 12), True, "page_viewed"),
    }


# ---------------------------------------------------------------------------------------
# experiment_results
# ---------------------------------------------------------------------------------------


def pooled_two_proportion_p_value(a1: int, n1: int, a2: int, n2: int) -> float:
    """Two-sided pooled z-test: z = (p2 - p1) / sqrt(p(1-p)(1/n1 + 1/n2)), p = erfc(|z|/√2)."""
    pooled = (a1 + a2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    z = (a2 / n2 - a1 / n1) / se
    return math.erfc(abs(z) / math.sqrt(2))


def test_experiment_results(built: ScratchWarehouse) -> None:
    rows = {
        row[0]: row[1:]
        for row in built.query(
            "select variant, exposed_users, activated_users, activation_rate, diff_vs_control, p_value"
            " from marts.experiment_results where flag_key = 'guided_setup_v2'"
        )
    }
    assert sorted(rows) == ["control", "treatment"]
    control, treatment = rows["control"], rows["treatment"]
    assert control[:2] == (4, 2)  # u02 u03 u05 u10; activated u05 u10
    assert treatment[:2] == (5, 3)  # u01 u04 u06 u13 u16; activated u01 u06 u13
    assert abs(control[2] - 0.5) <= EPS and abs(treatment[2] - 0.6) <= EPS
    assert abs(control[3]) <= EPS and control[4] is None
    assert abs(treatment[3] - 0.1) <= EPS
    want = pooled_two_proportion_p_value(2, 4, 3, 5)  # z = 0.3, p = 0.76417...
    assert abs(want - 0.7641771556220947) <= 1e-12
    assert abs(treatment[4] - want) <= 1e-6
    # u14 (control and treatment) is counted apart, in whatever column the model names so.
    apart = [
        name
        for (name,) in built.query(
            "select column_name from information_schema.columns where table_schema = 'marts'"
            " and table_name = 'experiment_results' and column_name ilike '%exclu%'"
        )
    ]
    for name in apart:
        assert built.query(
            f"select distinct {name} from marts.experiment_results where flag_key = 'guided_setup_v2'"
        ) == [(1,)]


# ---------------------------------------------------------------------------------------
# fct_account_activation
# ---------------------------------------------------------------------------------------


def test_accounts(built: ScratchWarehouse) -> None:
    rows = {
        row[0]: row[1:]
        for row in built.query(
            "select account_id, users, connected_users, activated_users, is_mature,"
            " company_size_band, signup_channel, milestones_completed, milestones_applicable"
            " from marts.fct_account_activation"
        )
    }
    assert rows == {
        "acc_mid": (5, 5, 1, True, "100-199", "self_serve", 3, 3),
        "acc_ops": (3, 3, 3, True, "50-99", "sales_assisted", 3, 3),
        "acc_fresh": (1, 1, 0, False, "50-99", "sales_assisted", 2, 3),
        "acc_growth": (5, 4, 2, True, "200-500", "self_serve", 3, 3),
        "acc_big": (2, 2, 1, True, "501+", "sales_assisted", 4, 4),
        "acc_small": (2, 2, 1, True, "1-49", "self_serve", 3, 3),
        "acc_unknown": (1, 1, 1, True, "unknown", "unknown", 3, 3),
    }


# ---------------------------------------------------------------------------------------
# activation_opportunity
# ---------------------------------------------------------------------------------------


def test_opportunity_is_zero_when_every_mature_in_scope_account_is_activated(built: ScratchWarehouse) -> None:
    # Mature in-scope accounts: acc_mid (100-199), acc_ops (50-99), acc_growth (200-500); each
    # is activated (u01, u05, u13) and connected, so extra = min(1 x lift, 1 - 1) = 0 for every
    # lift and band, and so is the revenue whatever the annualisation factor. acc_fresh is
    # not mature; the out-of-scope bands are not sized.
    rows = built.query(
        "select relative_lift, company_size_band, extra_activated_accounts, extra_annual_revenue"
        " from marts.activation_opportunity"
    )
    assert sorted((round(lift, 2), band) for lift, band, _, _ in rows) == sorted(
        (lift, band) for lift in (0.1, 0.25, 0.5) for band in ("50-99", "100-199", "200-500")
    )
    assert all(extra == 0 and revenue == 0 for _, _, extra, revenue in rows)


def test_cohort_segments_cross_weeks_with_segments(built: ScratchWarehouse) -> None:
    """activation_cohort_segments, by hand from the docstring: week 2026-04-06 holds the 15
    mature users of that week (u16 never connects: 14 connected, 9 activated, 5 dropped:
    u02 u03 u04 u09 u14); week 04-13 holds u20 alone, dropped, in a week whose last
    possible signup is not mature yet; week 04-20 holds u17 u18 u19, none mature."""
    rows = {
        (str(week), kind, value): rest
        for week, kind, value, *rest in built.query(
            "select signup_cohort_week, segment_type, segment_value, cohort_maturity, users, mature_users,"
            " users_in_progress, connected_users, activated_users, dropped_users, post_connection_drop_rate"
            " from marts.activation_cohort_segments"
        )
    }
    assert rows[("2026-04-06", "overall", "overall")] == ["mature", 15, 15, 0, 14, 9, 5, 5 / 14]
    assert rows[("2026-04-13", "overall", "overall")] == ["partly_mature", 1, 1, 0, 1, 0, 1, 1.0]
    assert rows[("2026-04-20", "overall", "overall")] == ["immature", 3, 0, 3, 0, 0, 0, None]
    # crm in the first week: u01 u04 u06 u13 u14 u15 connected; u04 and u14 dropped.
    assert rows[("2026-04-06", "data_source_type", "crm")] == ["mature", 6, 6, 0, 6, 4, 2, 2 / 6]
    assert rows[("2026-04-20", "data_source_type", "crm")] == ["immature", 2, 0, 2, 0, 0, 0, None]


#: Time to next action, by hand: from connected_at to the first user action strictly after
#: it (backend sync events are not user actions), at or before the as-of time.
MINUTES_TO_NEXT_ACTION = {
    "u01": 5.0,  # 09:10 -> template gallery 09:15 (the syncs at 09:10:30 and 09:12 are backend)
    "u02": 7.0,  # 10:05 -> empty state 10:12
    "u03": 5.0,  # 09:05 -> page 09:10
    "u04": 5.0,  # 11:10 -> page 11:15 (the sync_failed at 11:12 is backend)
    "u05": 135.0,  # 09:30 -> dashboard 11:45
    "u06": 20.5,  # 10:20 -> dashboard 10:40:30
    "u07": 1360.0,  # 04-09 09:20 -> report 04-10 08:00
    "u08": 30.0,  # 13:30 -> report 14:00
    "u09": None,  # nothing after connecting
    "u10": 20.0,  # 10:10 -> invite 10:30
    "u11": 20.0,  # 09:10 -> dashboard 09:30
    "u13": 20130.0,  # 04-06 08:30 -> dashboard 04-20 08:00
    "u14": 10.0,  # 08:30 -> page 08:40
    "u15": 5.0,  # 13:10 -> empty state 13:15
    "u16": None,  # never connects
    "u17": 2810.0,  # 04-20 10:10 -> page 04-22 09:00
    "u18": 11670.0,  # 04-21 09:30 -> click 04-29 12:00
    "u19": 7000.0,  # 04-22 15:20 -> page 04-27 12:00 (4 d 20 h 40 min)
    "u20": 10.0,  # 12:30 -> page 12:40
}


def test_minutes_to_next_action(built: ScratchWarehouse) -> None:
    rows = dict(built.query("select user_id, minutes_to_next_action from marts.fct_user_activation_v2"))
    assert rows == MINUTES_TO_NEXT_ACTION


def test_time_to_action_distributions(built: ScratchWarehouse) -> None:
    """Mature connected users. Activated (u01 u05 u06 u07 u08 u10 u11 u13 u15), next-action
    minutes sorted: 5 5 20 20 20.5 30 135 1360 20130: median the 5th, 20.5; p75 at position
    8 x 0.75 = 6: 135; p90 at 7.2: 1360 + 0.2 x (20130 - 1360) = 5114. Dropped (u02 u03 u04
    u09 u14 u20), u09 without a next action: 5 5 7 10 10: median 7, p75 10, p90 10."""
    rows = {
        group: rest for group, *rest in built.query(
            "select user_group, users, users_with_next_action, median_minutes_to_next_action,"
            " p75_minutes_to_next_action, p90_minutes_to_next_action from marts.activation_time_to_action"
            " where segment_type = 'overall'"
        )
    }
    assert rows["activated"][:2] == [9, 9] and rows["dropped"][:2] == [6, 5]
    assert rows["activated"][2:] == pytest.approx([20.5, 135.0, 5114.0])
    assert rows["dropped"][2:] == pytest.approx([7.0, 10.0, 10.0])
