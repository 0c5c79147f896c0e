"""What a data-quality breach fails: only recent (or restated) breaches that nobody
acknowledged; older ones stay visible as `historical`, and every breach ever seen is kept in
dq_incidents with a first sighting that survives `dbt build --full-refresh`.

The fixture is tests/python/data/first_week (raw events received 2026-05-25 to 2026-05-31
17:57, so the data clock's day is 2026-05-31 and, with the default `dq_judged_recent_days`
of 3, days from 2026-05-28 on are judged), which passes every check. A break adds one
replayed batch on one day: 40 page_viewed events of a known user, each delivered twice, all
received that day. On 2026-04-01 (60 days before the clock) the day holds only those 80 rows,
duplicate share 40/80 = 0.5; on 2026-05-30 it holds them and the fixture's 33 rows, 40/113 =
0.35. Both are far above the error threshold (0.15, dq_duplicate_share_error_above), so the
check's status is `error` either way: what changes is whether the build fails.

Cases: the old breach (historical; open under a 90-day horizon), the recent one (open, one
log line; historical under a 0-day horizon), acknowledgements (active, expired, another
key), first_seen_at across a full refresh and a fixed day (resolved), a restated old day,
and a bad acknowledgement row. Each builds the data-quality marts of a fresh warehouse.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from activation_warehouse.load import load_folder

from conftest import FIXTURES_DIR, ScratchWarehouse, project_copy

pytestmark = pytest.mark.dbt

DQ_SELECTION = ("--select", "+path:models/marts/data_quality", "--indirect-selection", "buildable",
                "--exclude-resource-type", "unit_test")
OLD_DAY = "2026-04-01"
RECENT_DAY = "2026-05-30"
REPLAYED_EVENTS = 40
ACKNOWLEDGEMENT_COLUMNS = (
    "check_name", "table_name", "breach_key", "first_day", "last_day", "reason", "acknowledged_by",
    "acknowledged_until",
)


def replayed_batch(folder: Path, day: str) -> Path:
    """first_week's files in `folder`, with REPLAYED_EVENTS page views received on `day`,
    each delivered twice (the second copy of each is a duplicate)."""
    shutil.copytree(FIXTURES_DIR / "first_week", folder)
    with open(folder / "events.csv", "a", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        for number in range(REPLAYED_EVENTS):
            at = f"{day} 12:{number:02d}:00"
            row = [f"replayed-{number:04d}", "page_viewed", "usr_0000032", "", "acc_000006",
                   at.replace(" ", "T") + ".000Z", at, '{"path": "/home"}']
            writer.writerow(row)
            writer.writerow(row)
    return folder


def with_acknowledgement(tmp_path: Path, **row: str) -> Path:
    """A copy of the project whose seed dq_acknowledgements holds `row` (the duplicate
    check on raw.events, every key, unless `row` says otherwise)."""
    project = project_copy(tmp_path / "project")
    values = {"check_name": "duplicate_share", "table_name": "raw.events", "breach_key": "",
              "reason": "a replayed collector buffer", "acknowledged_by": "data team", **row}
    with open(project / "seeds" / "dq_acknowledgements.csv", "a", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerow([values[column] for column in ACKNOWLEDGEMENT_COLUMNS])
    return project


class Build:
    """One `dbt build` of the data-quality marts: exit code, output, each node's status."""

    def __init__(self, result: subprocess.CompletedProcess[str], target_dir: Path) -> None:
        self.returncode = result.returncode
        self.stdout = result.stdout
        results = json.loads((target_dir / "run_results.json").read_text())["results"]
        self.statuses = {row["unique_id"].split(".")[2]: row["status"] for row in results}

    def breach_lines(self, level: str) -> list[tuple[str, str, str]]:
        """(check, table, day) of every `data quality LEVEL:` line, in order."""
        pattern = rf"data quality {level.upper()}: (\w+) \| ([\w.]+) \| (\d{{4}}-\d{{2}}-\d{{2}})"
        return re.findall(pattern, self.stdout)


#: The trailing window judged like the day (one day, thresholds not tightened), so that it
#: changes no verdict here: a breach keeps its week over the window's threshold (the week
#: really did hold that share), which would add the days after the break to every case.
#: The scope rules are the same for a window's verdict; test_data_quality_spread.py tests
#: the window, docs/data-quality.md says how to acknowledge a break's week.
WINDOW_AS_THE_DAY = {"dq_window_days": 1, "dq_window_tightening": 1}


def build(warehouse: ScratchWarehouse, *args: str) -> Build:
    """dbt build of the data-quality marts; a `--vars` mapping in `args` is merged with
    WINDOW_AS_THE_DAY (dbt reads one --vars only)."""
    arguments = list(args)
    build_vars = dict(WINDOW_AS_THE_DAY)
    if "--vars" in arguments:
        at = arguments.index("--vars")
        build_vars.update(yaml.safe_load(arguments[at + 1]))
        del arguments[at:at + 2]
    (warehouse.target_dir / "run_results.json").unlink(missing_ok=True)
    result = warehouse.dbt("build", *DQ_SELECTION, *arguments, "--vars", json.dumps(build_vars), check=False)
    if not (warehouse.target_dir / "run_results.json").exists():
        raise AssertionError(f"dbt build did not run:\n{result.stdout[-3000:]}\n{result.stderr[-2000:]}")
    return Build(result, warehouse.target_dir)


def warehouse_of(tmp_path: Path, day: str, project: Path | None = None) -> ScratchWarehouse:
    """A fresh warehouse loaded with first_week and a replayed batch on `day`."""
    warehouse = ScratchWarehouse(path=tmp_path / "warehouse.duckdb", target_dir=tmp_path / "target", artifacts=True)
    if project is not None:
        warehouse.project_dir = project
    load_folder(replayed_batch(tmp_path / "raw", day), warehouse.path, progress=False)
    return warehouse


def duplicate_day(warehouse: ScratchWarehouse, day: str) -> tuple[str, str | None]:
    """(status, incident_status) of dq_duplicate_share on `day`."""
    return warehouse.query(
        f"select status, incident_status from marts.dq_duplicate_share where check_date = date '{day}'"
    )[0]


def incidents(warehouse: ScratchWarehouse) -> list[tuple]:
    """dq_incidents as (check, table, key, day, severity, status, acknowledged_reason)."""
    return warehouse.query(
        "select check_name, table_name, breach_key, cast(check_date as varchar), severity, status,"
        " acknowledged_reason from marts.dq_incidents order by all"
    )


def test_a_breach_60_days_old_fails_nothing_but_shows_historical(tmp_path: Path) -> None:
    warehouse = warehouse_of(tmp_path, OLD_DAY)
    result = build(warehouse)
    assert result.returncode == 0, result.stdout[-3000:]
    assert result.statuses["dq_duplicate_share__error"] == "pass"
    assert result.breach_lines("error") == []
    assert duplicate_day(warehouse, OLD_DAY) == ("error", "historical")
    assert incidents(warehouse) == [
        ("duplicate_share", "raw.events", None, OLD_DAY, "error", "historical", None)
    ]
    # A horizon of 90 days (a non-default setting) reaches back past the old day: it fails.
    wider = build(warehouse, "--vars", "{dq_judged_recent_days: 90}")
    assert wider.returncode != 0
    assert wider.statuses["dq_duplicate_share__error"] == "fail"
    assert wider.breach_lines("error") == [("duplicate_share", "raw.events", OLD_DAY)]
    assert duplicate_day(warehouse, OLD_DAY) == ("error", "open")


def test_the_same_breach_inside_the_horizon_fails_the_build(tmp_path: Path) -> None:
    warehouse = warehouse_of(tmp_path, RECENT_DAY)
    result = build(warehouse)
    assert result.returncode != 0
    assert result.statuses["dq_duplicate_share__error"] == "fail"
    assert re.search(r"FAIL 1 dq_duplicate_share__error ", result.stdout), result.stdout[-3000:]
    # One line, naming the check, the table and the day; nothing else breached.
    assert result.breach_lines("error") == [("duplicate_share", "raw.events", RECENT_DAY)]
    assert result.breach_lines("warn") == []
    assert duplicate_day(warehouse, RECENT_DAY) == ("error", "open")
    # The failing build has recorded the incident (its tests run after the record).
    assert incidents(warehouse) == [("duplicate_share", "raw.events", None, RECENT_DAY, "error", "open", None)]
    # A horizon of 0 days judges only the clock's own day (2026-05-31): 05-30 is history.
    narrower = build(warehouse, "--vars", "{dq_judged_recent_days: 0}")
    assert narrower.returncode == 0, narrower.stdout[-3000:]
    assert duplicate_day(warehouse, RECENT_DAY) == ("error", "historical")


def test_an_active_acknowledgement_silences_the_breach(tmp_path: Path) -> None:
    project = with_acknowledgement(tmp_path, first_day="2026-05-29", last_day="2026-05-30",
                                   acknowledged_until="2026-06-30")
    warehouse = warehouse_of(tmp_path, RECENT_DAY, project)
    result = build(warehouse)
    assert result.returncode == 0, result.stdout[-3000:]
    assert result.breach_lines("error") == []
    assert result.statuses["dq_acknowledgements__to_review"] == "pass"
    assert duplicate_day(warehouse, RECENT_DAY) == ("error", "acknowledged")
    assert incidents(warehouse) == [
        ("duplicate_share", "raw.events", None, RECENT_DAY, "error", "acknowledged", "a replayed collector buffer")
    ]
    # The one breach in its range (05-29 has no breach): covered once, active.
    assert warehouse.query("select covered_breaches, state from marts.dq_acknowledgements") == [(1, "active")]


def test_an_expired_acknowledgement_does_not_and_is_listed(tmp_path: Path) -> None:
    # Held until 05-30: the data clock's day is 05-31, so it has expired.
    project = with_acknowledgement(tmp_path, first_day=RECENT_DAY, last_day=RECENT_DAY,
                                   acknowledged_until="2026-05-30")
    warehouse = warehouse_of(tmp_path, RECENT_DAY, project)
    result = build(warehouse)
    assert result.returncode != 0
    assert result.breach_lines("error") == [("duplicate_share", "raw.events", RECENT_DAY)]
    assert duplicate_day(warehouse, RECENT_DAY) == ("error", "open")
    assert warehouse.query("select covered_breaches, state from marts.dq_acknowledgements") == [(1, "expired")]
    assert result.statuses["dq_acknowledgements__to_review"] == "warn"
    assert "data quality acknowledgement expired: duplicate_share | raw.events | (every key) | " \
        f"{RECENT_DAY}..{RECENT_DAY}" in result.stdout


def test_an_acknowledgement_of_another_key_covers_nothing(tmp_path: Path) -> None:
    # The duplicate check has no key: an acknowledgement naming one matches no breach.
    project = with_acknowledgement(tmp_path, breach_key="page_viewed", first_day=RECENT_DAY,
                                   last_day=RECENT_DAY, acknowledged_until="2026-06-30")
    warehouse = warehouse_of(tmp_path, RECENT_DAY, project)
    result = build(warehouse)
    assert result.returncode != 0
    assert duplicate_day(warehouse, RECENT_DAY) == ("error", "open")
    assert warehouse.query("select covered_breaches, state from marts.dq_acknowledgements") == [(0, "covers_nothing")]
    assert result.statuses["dq_acknowledgements__to_review"] == "warn"


def test_first_seen_survives_a_full_refresh_and_a_fixed_day_is_resolved(tmp_path: Path) -> None:
    warehouse = warehouse_of(tmp_path, OLD_DAY)
    assert build(warehouse).returncode == 0
    first_seen, last_seen = warehouse.query("select first_seen_at, last_seen_at from marts.dq_incidents")[0]
    assert first_seen == last_seen
    # Rebuilt from scratch: the incident is the same one, first seen by the first build.
    assert build(warehouse, "--full-refresh").returncode == 0
    again = warehouse.query("select first_seen_at, last_seen_at, status from marts.dq_incidents")
    assert len(again) == 1 and again[0][0] == first_seen and again[0][1] > last_seen
    assert again[0][2] == "historical"
    # The raw data fixed (the fixture without the replayed batch): the incident is resolved,
    # still first seen by the first build, last seen by the second.
    load_folder(FIXTURES_DIR / "first_week", warehouse.path, progress=False)
    assert build(warehouse, "--full-refresh").returncode == 0
    assert warehouse.query(
        "select cast(check_date as varchar), severity, status, first_seen_at, last_seen_at from marts.dq_incidents"
    ) == [(OLD_DAY, "error", "resolved", first_seen, again[0][1])]


def test_a_restated_old_day_is_judged_again(tmp_path: Path) -> None:
    # The restatement detection (macro dq_restated_days) reports 04-01 restated, detected
    # on 05-31, inside the horizon: the 60-day-old breach is judged like a new one. The
    # same day detected on 05-20 (11 days before the clock) is history again.
    def restated(detected_through: str) -> Path:
        project = project_copy(tmp_path / f"project_{detected_through[:10]}")
        (project / "macros" / "data_quality" / "restated_days.sql").write_text(
            "{% macro dq_restated_days() -%}\n"
            f"    select date '{OLD_DAY}' as received_date, timestamp '{detected_through}' as detected_through\n"
            "{%- endmacro %}\n"
        )
        return project

    warehouse = warehouse_of(tmp_path, OLD_DAY, restated("2026-05-31 10:00:00"))
    result = build(warehouse)
    assert result.returncode != 0
    assert result.breach_lines("error") == [("duplicate_share", "raw.events", OLD_DAY)]
    assert duplicate_day(warehouse, OLD_DAY) == ("error", "open")
    warehouse.project_dir = restated("2026-05-20 10:00:00")
    assert build(warehouse).returncode == 0
    assert duplicate_day(warehouse, OLD_DAY) == ("error", "historical")


def test_a_bad_acknowledgement_stops_the_build_naming_what_is_wrong(tmp_path: Path) -> None:
    # A check name that does not exist, and a range that ends before it starts: the seed's
    # own tests fail, each naming its rule, and nothing is judged on a half-read seed.
    project = with_acknowledgement(tmp_path, check_name="duplicate_shares", first_day="2026-05-30",
                                   last_day="2026-05-29", acknowledged_until="2026-06-30")
    warehouse = warehouse_of(tmp_path, RECENT_DAY, project)
    result = build(warehouse)
    assert result.returncode != 0
    failed = {name for name, status in result.statuses.items() if status == "fail"}
    assert "dq_acknowledgements_day_range_is_ordered" in failed
    assert any(name.startswith("accepted_values_dq_acknowledgements_check_name") for name in failed), failed
    assert result.statuses["dq_duplicate_share"] == "skipped"
