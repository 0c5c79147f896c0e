"""A checklist milestone added to the seed shows by name in fct_user_milestones.

The README invites a team to add a checklist step to `seeds/milestones.csv`; before
fct_user_milestones it only moved a count (milestones_applicable 4 -> 5) and no mart said
who completed it. Here a copy of the project gets a fifth milestone and the hand-written
scenario (tests/python/data/scenario; journeys in test_scenario.py's docstring) is built:

    template_explored, order 5, required 1, bands 50-99|100-199|200-500, not a funnel step
    reached by: template_gallery_viewed, teammate_invited

Users in the metrics and their bands (test_scenario.py): 100-199 u01 u02 u03 u04 u17;
50-99 u05 u06 u07 u18; 200-500 u13 u14 u15 u16 u19; 501+ u08 u09; 1-49 u10 u20;
unknown u11. So the step applies to 14 users and not to u08 u09 u10 u11 u20.

The scenario's qualifying events (events.csv): template_gallery_viewed by u01 at
2026-04-06 09:15 (15 min after signup, before first value), u06 at 2026-04-08 10:45 (after
first value: a checklist step is counted from signup and gates nothing) and u15 at
2026-04-09 13:20; teammate_invited by u10 only (band 1-49: the step does not apply, so it
is not reached). All within 14 days of signup and before the as-of time (2026-04-30 12:00).

fct_user_activation moves with it: u01 reached every step, now 4 of 4 applicable; u16
never connected, 1 of 4; u02 connected and dropped, 2 of 4; u08 (501+: security_review,
not the new step) stays 4 of 4; u10 (1-49) stays 3 of 3.
"""

from __future__ import annotations

import csv
import json
from datetime import datetime

import pytest

from activation_warehouse.load import load_folder

from conftest import FIXTURES_DIR, ScratchWarehouse, project_copy

pytestmark = pytest.mark.dbt

NEW_STEP = "template_explored"
APPLICABLE = {
    "u01", "u02", "u03", "u04", "u17", "u05", "u06", "u07", "u18", "u13", "u14", "u15", "u16", "u19",
}
NOT_APPLICABLE = {"u08", "u09", "u10", "u11", "u20"}
REACHED = {
    "u01": datetime(2026, 4, 6, 9, 15),
    "u06": datetime(2026, 4, 8, 10, 45),
    "u15": datetime(2026, 4, 9, 13, 20),
}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> ScratchWarehouse:
    """The scenario built on a project copy whose milestones seed has a fifth step."""
    root = tmp_path_factory.mktemp("user_milestones")
    project = project_copy(root / "project")
    with open(project / "seeds" / "milestones.csv", "a", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerow(
            [NEW_STEP, 5, 1, "50-99|100-199|200-500", "false", "", "Explored the templates (a checklist step)"]
        )
    with open(project / "seeds" / "milestone_events.csv", "a", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows(
            [[NEW_STEP, "template_gallery_viewed"], [NEW_STEP, "teammate_invited"]]
        )
    warehouse = ScratchWarehouse(
        path=root / "warehouse.duckdb", target_dir=root / "target", project_dir=project, artifacts=True
    )
    load_folder(FIXTURES_DIR / "scenario", warehouse.path, progress=False)
    # Both marts, their parents, and the tests whose models are all built (the seed's, the
    # unit tests, the consistency test between the two marts).
    warehouse.dbt(
        "build", "--select", "+fct_user_milestones", "+fct_user_activation", "--indirect-selection", "cautious"
    )
    return warehouse


def test_the_new_step_shows_by_name_for_the_users_it_applies_to(built: ScratchWarehouse) -> None:
    rows = built.query(
        "select user_id, step_order, is_funnel_step, milestone_role, is_applicable, is_reached, reached_at"
        f" from marts.fct_user_milestones where milestone = '{NEW_STEP}'"
    )
    assert {row[0] for row in rows} == APPLICABLE | NOT_APPLICABLE
    assert {row[1:4] for row in rows} == {(5, False, None)}
    assert {row[0] for row in rows if row[4]} == APPLICABLE
    assert {row[0]: row[6] for row in rows if row[5]} == REACHED
    assert all(row[6] is None for row in rows if not row[5])


def test_user_facts_count_the_new_step(built: ScratchWarehouse) -> None:
    counts = dict(
        (user_id, (completed, applicable))
        for user_id, completed, applicable in built.query(
            "select user_id, milestones_completed, milestones_applicable from marts.fct_user_activation"
            " where user_id in ('u01', 'u16', 'u02', 'u08', 'u10')"
        )
    )
    assert counts == {"u01": (4, 4), "u16": (1, 4), "u02": (2, 4), "u08": (4, 4), "u10": (3, 3)}


def test_the_marts_agree_with_the_new_step(built: ScratchWarehouse) -> None:
    results = json.loads((built.target_dir / "run_results.json").read_text())["results"]
    statuses = {row["unique_id"].split(".")[2]: row["status"] for row in results}
    assert statuses["assert_user_milestones_match_user_facts"] == "pass"
    assert statuses["assert_milestones_seed_is_well_formed"] == "pass"
    assert statuses["fct_user_milestones"] == "success"
