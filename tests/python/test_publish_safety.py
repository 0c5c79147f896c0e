"""Publish survives being killed, and refuses a build whose checks failed.

Kill-safety: a publication is SIGKILLed (no clean-up possible) at four points, each staged
by a child process that replaces one step of publish with its own death:

- copying: one table copied and its Parquet written, the next one's Parquet not;
- sealed: the Parquet version complete (fsynced, marked, renamed), the database not swapped;
- swapped: the database swapped in, the exports and the `current` symlink not;
- flipped: `current` flipped, the older versions not yet removed.

After each, readers still see a complete publication, and the next publish removes every
leftover and keeps as "previous" the last complete publication, never a half-written one.

Checks: the build records its results in history.dbt_run_results; the tests write that
table by hand in a tiny warehouse (two marts), so no dbt build is needed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from activation_warehouse.exports import STALLED_USERS_EXPORT_COLUMNS
from activation_warehouse.publish import PublishRefused, publish, published_database
from activation_warehouse.publish_versions import COMPLETE_MARKER

KILLER = r'''
import os, signal, sys
from pathlib import Path
import activation_warehouse.publish as publish
import activation_warehouse.publish_versions as versions

point, warehouse, out_dir = sys.argv[1:4]

def die(*_args, **_kwargs):
    os.kill(os.getpid(), signal.SIGKILL)

if point == "copying":
    copy_comments, calls = publish._copy_comments, []
    def copying(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            die()
        return copy_comments(*args, **kwargs)
    publish._copy_comments = copying
elif point == "sealed":
    replace = os.replace
    def replacing(source, destination, *args, **kwargs):
        if Path(destination).name == publish.PUBLISHED_FILE_NAME:
            die()
        return replace(source, destination, *args, **kwargs)
    os.replace = replacing
elif point == "swapped":
    publish.commit_export = die
elif point == "flipped":
    remove = versions.remove_quietly
    def removing(path):
        if Path(path).name.startswith("v"):
            die()
        return remove(path)
    versions.remove_quietly = removing
publish.publish(Path(warehouse), Path(out_dir))
print("not killed")
'''

RUN_RESULTS_COLUMNS = (
    "invocation_id varchar, command varchar, run_started_at timestamp, generated_at timestamp,"
    " unique_id varchar, name varchar, resource_type varchar, status varchar, severity varchar,"
    " failures integer, execution_seconds double, message varchar"
)


def make_warehouse(path: Path, value: int) -> Path:
    """A warehouse with two marts; `value` tells its publications apart."""
    path.unlink(missing_ok=True)
    columns = ", ".join(f"'x' as {column}" for column in STALLED_USERS_EXPORT_COLUMNS)
    with duckdb.connect(str(path)) as connection:
        connection.execute("create schema marts")
        connection.execute(f"create table marts.m as select {value} as v")
        connection.execute(f"create table marts.stalled_users as select {columns}")
    return path


def record_results(path: Path, rows: list[tuple[str, str, str, str, str]]) -> None:
    """Rows of history.dbt_run_results: (invocation, generated_at, name, resource_type, status)."""
    with duckdb.connect(str(path)) as connection:
        connection.execute("create schema if not exists history")
        connection.execute(f"create table if not exists history.dbt_run_results ({RUN_RESULTS_COLUMNS})")
        for invocation, generated_at, name, kind, status in rows:
            connection.execute(
                "insert into history.dbt_run_results values (?, 'build', ?, ?, ?, ?, ?, ?, null, 0, 0.1, '')",
                [invocation, generated_at, generated_at, f"{kind}.activation_warehouse.{name}", name, kind, status],
            )


def published_value(out_dir: Path) -> int:
    with duckdb.connect(str(published_database(out_dir)), read_only=True) as connection:
        return connection.execute("select v from marts.m").fetchone()[0]


def parquet_value(version: Path) -> int:
    with duckdb.connect() as connection:
        return connection.execute(f"select v from '{version / 'marts' / 'm.parquet'}'").fetchone()[0]


def current_version(out_dir: Path) -> Path:
    return (out_dir / "parquet" / "current").resolve()


def versions(out_dir: Path) -> list[Path]:
    root = out_dir / "parquet"
    return sorted(path for path in root.iterdir() if path.is_dir() and not path.is_symlink())


def leftovers(out_dir: Path) -> list[str]:
    return sorted(str(path.relative_to(out_dir)) for path in out_dir.rglob("*") if "tmp-" in path.name)


@pytest.mark.parametrize("point", ["copying", "sealed", "swapped", "flipped"])
def test_a_killed_publication_is_cleaned_up_and_never_kept_as_previous(tmp_path: Path, point: str) -> None:
    out_dir = tmp_path / "published"
    for value in (1, 2):
        publish(make_warehouse(tmp_path / f"w{value}.duckdb", value), out_dir)
    before_kill = current_version(out_dir)
    killed = subprocess.run(
        [sys.executable, "-c", KILLER, point, str(make_warehouse(tmp_path / "w3.duckdb", 3)), str(out_dir)],
        capture_output=True, text=True, timeout=120,
    )
    assert killed.returncode == -9, killed.stdout + killed.stderr

    # Readers see a complete publication: the old one, or the new one once swapped in.
    got_through = point in ("swapped", "flipped")
    assert published_value(out_dir) == (3 if got_through else 2)
    assert (current_version(out_dir) / COMPLETE_MARKER).is_file()
    assert parquet_value(current_version(out_dir)) == (3 if point == "flipped" else 2)
    if point != "flipped":
        assert leftovers(out_dir), "the kill left nothing behind: it did not land mid-publication"
    else:
        assert len(versions(out_dir)) == 3  # the old versions were not yet removed
    last_complete = current_version(out_dir)
    assert (last_complete == before_kill) == (point != "flipped")

    report = publish(make_warehouse(tmp_path / "w4.duckdb", 4), out_dir)
    assert leftovers(out_dir) == []
    assert published_value(out_dir) == 4 and report.tables["marts.m"] == 1
    newest = current_version(out_dir)
    assert parquet_value(newest) == 4
    previous = [version for version in versions(out_dir) if version != newest]
    assert previous == [last_complete]
    assert (previous[0] / COMPLETE_MARKER).is_file()
    assert parquet_value(previous[0]) == (3 if point == "flipped" else 2)
    assert sorted(p.name for p in (previous[0] / "marts").iterdir()) == ["m.parquet", "stalled_users.parquet"]


def test_a_half_written_folder_sorting_last_is_removed_not_kept(tmp_path: Path) -> None:
    """What the old publish left when killed: a `v` folder with some of its files and no
    marker, named later than the good one. It used to be kept as the previous version
    while the good previous one was deleted."""
    out_dir = tmp_path / "published"
    publish(make_warehouse(tmp_path / "w1.duckdb", 1), out_dir)
    good = current_version(out_dir)
    half = out_dir / "parquet" / "v99991231T000000000000Z-1"
    (half / "marts").mkdir(parents=True)
    (half / "marts" / "m.parquet").write_bytes(b"PAR1 cut short")
    publish(make_warehouse(tmp_path / "w2.duckdb", 2), out_dir)
    assert not half.exists()
    assert [version for version in versions(out_dir) if version != current_version(out_dir)] == [good]
    assert parquet_value(good) == 1


def _publication(out_dir: Path) -> dict[str, object]:
    with duckdb.connect(str(published_database(out_dir)), read_only=True) as connection:
        cursor = connection.execute("select checks, checks_invocation_id, forced, failed_checks from meta.publication")
        names = [column[0] for column in cursor.description]
        return dict(zip(names, cursor.fetchone()))


def test_no_run_results_table_publishes_marked_unrecorded(tmp_path: Path) -> None:
    out_dir = tmp_path / "published"
    publish(make_warehouse(tmp_path / "w.duckdb", 1), out_dir)
    assert _publication(out_dir) == {"checks": "unrecorded", "checks_invocation_id": None, "forced": False, "failed_checks": []}


def test_passing_checks_publish(tmp_path: Path) -> None:
    """An older invocation failed, the latest tested one passed (a warn is not a failure),
    and a later `dbt run` ran no tests: the latest tested one decides."""
    warehouse = make_warehouse(tmp_path / "w.duckdb", 1)
    record_results(warehouse, [
        ("old", "2026-05-01 10:00", "not_null_m_v", "test", "fail"),
        ("new", "2026-05-02 10:00", "not_null_m_v", "test", "pass"),
        ("new", "2026-05-02 10:00", "volume_check", "test", "warn"),
        ("new", "2026-05-02 10:00", "m", "model", "success"),
        ("run_only", "2026-05-03 10:00", "m", "model", "success"),
    ])
    publish(warehouse, tmp_path / "published")
    assert _publication(tmp_path / "published") == {
        "checks": "passed", "checks_invocation_id": "new", "forced": False, "failed_checks": [],
    }


FAILING = [
    ("good", "2026-05-01 10:00", "not_null_m_v", "test", "pass"),
    ("bad", "2026-05-02 10:00", "unique_m_v", "test", "fail"),
    ("bad", "2026-05-02 10:00", "accepted_values_m_v", "test", "error"),
    ("bad", "2026-05-02 10:00", "m_rows_unit", "unit_test", "fail"),
    ("bad", "2026-05-02 10:00", "fct_b", "model", "error"),
    ("bad", "2026-05-02 10:00", "relationships_m", "test", "fail"),
    ("bad", "2026-05-02 10:00", "expression_is_true_m", "test", "fail"),
    ("bad", "2026-05-02 10:00", "not_null_m_v", "test", "pass"),
    ("bad", "2026-05-02 10:00", "stg_a", "model", "skipped"),
    ("later_run", "2026-05-03 10:00", "m", "model", "success"),
]


def test_failed_checks_refuse_with_one_line_and_touch_nothing(tmp_path: Path) -> None:
    out_dir = tmp_path / "published"
    publish(make_warehouse(tmp_path / "w1.duckdb", 1), out_dir)
    before = sorted(str(path) for path in out_dir.rglob("*"))
    warehouse = make_warehouse(tmp_path / "w2.duckdb", 2)
    record_results(warehouse, FAILING)
    with pytest.raises(PublishRefused) as refused:
        publish(warehouse, out_dir)
    # Six failed in "bad", alphabetically; the first five are named.
    assert str(refused.value) == (
        "publish refused: 6 failed in the last tested build (invocation bad): accepted_values_m_v,"
        " expression_is_true_m, fct_b, m_rows_unit, relationships_m and 1 more; fix and rebuild, or publish --force"
    )
    assert sorted(str(path) for path in out_dir.rglob("*")) == before
    assert published_value(out_dir) == 1

    env = dict(os.environ, ACTIVATION_WAREHOUSE_PATH=str(warehouse))
    cli = subprocess.run(
        [sys.executable, "-m", "activation_warehouse", "publish", "--out-dir", str(out_dir)],
        env=env, capture_output=True, text=True,
    )
    assert cli.returncode == 1
    assert cli.stderr.splitlines() == [str(refused.value)]


def test_force_publishes_and_records_the_failed_checks(tmp_path: Path) -> None:
    warehouse = make_warehouse(tmp_path / "w.duckdb", 2)
    record_results(warehouse, FAILING)
    env = dict(os.environ, ACTIVATION_WAREHOUSE_PATH=str(warehouse))
    cli = subprocess.run(
        [sys.executable, "-m", "activation_warehouse", "publish", "--out-dir", str(tmp_path / "published"), "--force"],
        env=env, capture_output=True, text=True,
    )
    assert cli.returncode == 0, cli.stderr
    assert "FORCED past 6 failed checks" in cli.stdout
    assert published_value(tmp_path / "published") == 2
    assert _publication(tmp_path / "published") == {
        "checks": "failed", "checks_invocation_id": "bad", "forced": True,
        "failed_checks": ["accepted_values_m_v", "expression_is_true_m", "fct_b", "m_rows_unit", "relationships_m", "unique_m_v"],
    }
