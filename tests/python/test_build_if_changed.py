"""`activation-warehouse build --if-changed`: dbt does not start when nothing changed,
and starts whenever anything it builds from did (activation_warehouse/unchanged.py).

The end-to-end case runs on a copy of the scenario build; each step says which input
moved and whether dbt must run, and dbt's runs are counted through the runner the
command is given. Its hourly command selects one small table (the raw tables are signed
for any selection that holds a kept table), so each run costs dbt's start-up, not a build. The build key's inputs are checked apart, on a project folder of the
test's own, so each file kind is seen to count without a dbt run per kind.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from activation_warehouse.unchanged import KEYS_TABLE, build_if_changed, build_key, is_checked

from conftest import ScratchWarehouse

#: The scheduled command of the end-to-end case.
HOURLY = ("run", "--select", "int_as_of")


def _mini_project(root: Path) -> Path:
    """A folder with the files the key reads: a dbt_project.yml naming its paths, one file
    per path kind."""
    root.mkdir()
    (root / "dbt_project.yml").write_text(
        'name: p\nmodel-paths: ["models"]\nseed-paths: ["seeds"]\nmacro-paths: ["macros"]\n'
        'test-paths: ["tests"]\nanalysis-paths: ["analyses"]\ndocs-paths: ["docs"]\n'
    )
    for folder, name in (("models", "a.sql"), ("seeds", "s.csv"), ("macros", "m.sql"), ("tests", "t.sql"),
                         ("analyses", "x.sql"), ("docs", "d.md"), ("dbt_packages", "pkg.sql")):
        (root / folder).mkdir()
        (root / folder / name).write_text("select 1\n")
    (root / "profiles.yml").write_text("p: {}\n")
    return root


def test_the_key_moves_with_every_input_but_the_display(tmp_path: Path) -> None:
    project = _mini_project(tmp_path / "project")
    env = {"ACTIVATION_WAREHOUSE_PATH": "/w.duckdb", "DBT_PROFILES_DIR": "/p", "HOME": "/h"}
    first = build_key(["run"], project, env)
    assert build_key(["run"], project, dict(env)) == first  # the same inputs, the same key

    changed = {
        "the command": build_key(["build"], project, env),
        "a var": build_key(["run", "--vars", "{as_of: 2026-05-01}"], project, env),
        "the warehouse's environment": build_key(["run"], project, {**env, "ACTIVATION_WAREHOUSE_MEMORY_LIMIT": "8GB"}),
        "dbt's environment": build_key(["run"], project, {**env, "DBT_PARTIAL_PARSE": "false"}),
    }
    for relative in ("models/a.sql", "seeds/s.csv", "macros/m.sql", "tests/t.sql", "analyses/x.sql", "docs/d.md",
                     "dbt_packages/pkg.sql", "profiles.yml", "dbt_project.yml"):
        path = project / relative
        before = path.read_text()
        path.write_text(before + ("\n# edited\n" if path.suffix == ".yml" else "\n-- edited\n"))
        changed[relative] = build_key(["run"], project, env)
        path.write_text(before)
    (project / "models" / "b.sql").write_text("select 2\n")
    changed["a new model"] = build_key(["run"], project, env)
    (project / "models" / "b.sql").unlink()

    assert {what for what, key in changed.items() if key == first} == set()
    assert len(set(changed.values())) == len(changed)
    # Neither colours, nor a variable dbt never reads, nor a file back as it was.
    assert build_key(["run"], project, {**env, "DBT_USE_COLORS": "false", "TERM": "dumb"}) == first


def test_only_plain_builds_and_runs_are_checked() -> None:
    assert is_checked(["build"]) and is_checked(["run", "--select", "+fct_user_activation"])
    assert is_checked(["run", "--vars", "{as_of: 2026-05-01}"])
    for args in (["build", "--full-refresh"], ["run", "-f"], ["build", "--target", "spark"],
                 ["build", "--target=postgres"], ["test"], ["seed"], []):
        assert not is_checked(args), args


@pytest.mark.dbt
def test_dbt_starts_only_when_something_changed(scenario_build: ScratchWarehouse, tmp_path: Path) -> None:
    warehouse = ScratchWarehouse.in_folder(tmp_path)
    shutil.copy(scenario_build.path, warehouse.path)
    runs: list[list[str]] = []
    fail_next: list[bool] = []

    def run(args: list[str]) -> int:
        runs.append(args)
        if fail_next:
            fail_next.pop()
            return 1
        return warehouse.dbt(*args, check=False).returncode

    def hourly(*args: str) -> int:
        return build_if_changed(
            list(args or HOURLY), warehouse.path, warehouse.project_dir, warehouse.env(), run=run, check=True,
        )

    def runs_dbt(*args: str) -> bool:
        before = len(runs)
        assert hourly(*args) == 0
        return len(runs) > before

    assert runs_dbt(), "nothing recorded yet: dbt runs"
    with duckdb.connect(str(warehouse.path), read_only=True) as connection:
        # The default build reads no table outside its sources and the history schema.
        assert connection.execute(
            "select count(*) from history.source_signature_queries where source_identifier is null"
        ).fetchone()[0] == 0
    assert not runs_dbt(), "nothing changed: dbt does not start"
    assert not runs_dbt(), "and again"
    assert runs_dbt("run", "--select", "int_users"), "other arguments are another build"
    assert runs_dbt(), "the last build was not this one"
    assert not runs_dbt()

    def execute(sql: str) -> None:
        with duckdb.connect(str(warehouse.path)) as connection:
            connection.execute(sql)

    # Each change, then the hour after it: dbt runs once, and the next hour it does not.
    changes = (
        # An app table edited in place (its row count unchanged): its signature moves.
        lambda: execute("update raw.accounts set employee_count = employee_count + 1 where account_id = 'acc_mid'"),
        # A raw event appended: the events' row count moves.
        lambda: execute(
            "insert into raw.events select * replace ('evt_appended_by_test' as event_id,"
            " received_at + interval 1 minute as received_at) from raw.events order by received_at desc limit 1"
        ),
        # A dbt invocation of its own in between (a seed load): the check cannot vouch.
        lambda: warehouse.dbt("seed", "--select", "milestones"),
        # A model that read tables no source names (a collector's, marked by the hook) in
        # the recorded build: the check cannot vouch.
        lambda: execute(
            "insert into history.source_signature_queries select 'model.p.reads_unlisted', null, null, null, null,"
            " invocation_id from history.source_signature_queries limit 1"
        ),
    )
    for number, change in enumerate(changes):
        change()
        assert runs_dbt(), f"change {number}"
        assert not runs_dbt(), f"after change {number}"

    # A failed build forgets the record: the next hour runs again, though the raw tables
    # are now those the failed build was given.
    changes[0]()
    fail_next.append(True)
    assert build_if_changed(list(HOURLY), warehouse.path, warehouse.project_dir, warehouse.env(), run=run, check=True) == 1
    with duckdb.connect(str(warehouse.path), read_only=True) as connection:
        assert connection.execute(f"select count(*) from history.{KEYS_TABLE}").fetchone()[0] == 0
    assert runs_dbt()
    assert not runs_dbt()

    # Without the option, dbt always runs; a full refresh always runs, and the next check too.
    assert build_if_changed(list(HOURLY), warehouse.path, warehouse.project_dir, warehouse.env(), run=run, check=False) == 0
    assert runs_dbt(), "a dbt run without the check is an invocation the record does not know"
    assert runs_dbt("run", "--full-refresh", "--select", "int_as_of")
    assert runs_dbt()
    assert not runs_dbt()


@pytest.mark.parametrize(
    ("argv", "dbt_args", "check"),
    [
        (["build"], ["build"], False),
        (["build", "--if-changed"], ["build"], True),
        (["build", "--if-changed", "run", "--select", "x"], ["run", "--select", "x"], True),
        (["build", "run", "--if-changed"], ["run"], True),
        (["build", "--full-refresh"], ["build", "--full-refresh"], False),
    ],
)
def test_the_command_line_takes_the_option_out_of_dbts_arguments(
    argv: list[str], dbt_args: list[str], check: bool, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    import activation_warehouse.unchanged as unchanged
    from activation_warehouse.cli import main

    monkeypatch.setenv("ACTIVATION_WAREHOUSE_PATH", str(tmp_path / "w.duckdb"))
    seen: list[tuple[list[str], Path, bool]] = []

    def fake(args: list[str], warehouse: Path, project_dir: Path, env: dict[str, str], run: object, check: bool) -> int:
        seen.append((args, warehouse, check))
        return 1

    monkeypatch.setattr(unchanged, "build_if_changed", fake)
    assert main(argv) == 1  # dbt's failure is the command's
    assert seen == [(dbt_args, tmp_path / "w.duckdb", check)]
