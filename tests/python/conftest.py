"""Shared pytest helpers: running dbt against a scratch warehouse, reading it back."""

from __future__ import annotations

import csv
import fcntl
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from fnmatch import fnmatch
from pathlib import Path

import __main__

import duckdb
import pytest
import yaml

# A pytest-xdist worker's __main__ has neither __spec__ nor __file__, which pyspark's
# Connect package (imported by Great Expectations) takes for a doctest run and answers
# with sys.exit(0). Naming the worker's main module keeps that import an import.
if getattr(__main__, "__spec__", None) is None and not hasattr(__main__, "__file__"):
    __main__.__file__ = "<pytest-xdist worker>"

from activation_warehouse.dbt_runner import DbtTarget, run_dbt
from activation_warehouse.dev.engine_compare import compare_rows, mart_relations, read_duckdb_table
from activation_warehouse.dev.generate import DemoConfig, generate_demo
from activation_warehouse.load import load_folder
from activation_warehouse.paths import PROJECT_DIR

from dbt_forkserver import ForkServer

# Raw-data fixtures live here, not in tests/fixtures, which dbt reserves for unit-test fixtures.
FIXTURES_DIR = Path(__file__).resolve().parent / "data"
MF = Path(sys.executable).parent / "mf"


@dataclass
class ScratchWarehouse:
    """A DuckDB file and dbt target folder of a test's own, so tests never share state."""

    path: Path
    target_dir: Path
    #: A test that edits a definition (a seed) builds a copy of the project: see project_copy.
    project_dir: Path = PROJECT_DIR
    #: Whether a plain `build` runs dbt's unit tests. They read only their own fixture rows,
    #: so on the repository's project with its default vars every build gives them the same
    #: answer: the session's scenario build runs them (once per pytest run), the other
    #: builds leave them out (a third of a small build's time). See `_build_args`.
    unit_tests: bool = False
    #: Whether a command that runs nodes (build, run, seed, test) writes dbt's JSON
    #: artifacts (manifest.json, run_results.json, semantic_manifest.json). Off unless the
    #: test reads them: writing them is about 2 s of CPU a build, a seventh of a small one.
    #: A test that reads one without asking fails on the missing file, never silently.
    artifacts: bool = False

    @classmethod
    def in_folder(cls, folder: Path, **fields: object) -> ScratchWarehouse:
        """A warehouse laid out as every session build: `folder/warehouse.duckdb` and
        `folder/target`. Its first dbt run starts from the session's parse (another layout
        parses the whole project: see `_shared_parse_env`)."""
        folder.mkdir(parents=True, exist_ok=True)
        return cls(path=folder / "warehouse.duckdb", target_dir=folder / "target", **fields)

    @property
    def target(self) -> DbtTarget:
        """This warehouse as the dbt runner sees it: its file, target, log and spill folders."""
        return DbtTarget(
            warehouse=self.path, project_dir=self.project_dir, target_dir=self.target_dir,
            log_dir=self.target_dir / "logs", temp_dir=self.target_dir / "duckdb_tmp",
        )

    def env(self, **extra: str | None) -> dict[str, str]:
        """The environment of a dbt run on this warehouse; an `extra` value of None unsets
        that variable, so a test can see what the profile's own default does.

        dbt's debug log file is off (about 4% of a small build's CPU, and no test reads
        it: a failure shows dbt's output instead); ACTIVATION_WAREHOUSE_TEST_DBT_LOG=1
        keeps it for a developer chasing a failure."""
        if os.environ.get("ACTIVATION_WAREHOUSE_TEST_DBT_LOG", "0") == "0":
            extra = {"DBT_LOG_LEVEL_FILE": "none", **extra}
        return self.target.env(colours=False, **extra)

    def dbt_process(self, *args: str, **extra_env: str) -> tuple[list[str], Path, dict[str, str]]:
        """The command line, working folder and environment `dbt()` runs, for a caller
        that needs the process itself (to kill it): it starts from the same parse."""
        args, cwd, env, _ = self._invocation(args, None, extra_env)
        return self.target.command(*args), cwd or PROJECT_DIR, self.env(**env)

    def dbt(
        self, *args: str, check: bool = True, cwd: Path | None = None, **extra_env: str | None
    ) -> subprocess.CompletedProcess[str]:
        """Run one dbt command in a subprocess (a DuckDB file lock ends with the process),
        from the project folder unless `cwd` names another working folder (a warehouse laid
        out as `in_folder` makes one runs from its own folder: see `_shared_parse_env`)."""
        args, cwd, env, keeps_parse = self._invocation(args, cwd, extra_env)
        result = run_dbt(*args, target=self.target, capture=True, cwd=cwd, runner=_FORKED, **env)
        if keeps_parse:
            _keep_parse(args, self.target_dir / "partial_parse.msgpack")
        if check and result.returncode != 0:
            tail = "\n".join(result.stdout.splitlines()[-40:])
            raise AssertionError(f"dbt {' '.join(args)} failed ({result.returncode}):\n{tail}\n{result.stderr}")
        return result

    def _invocation(
        self, args: tuple[str, ...], cwd: Path | None, extra_env: dict[str, str | None]
    ) -> tuple[tuple[str, ...], Path | None, dict[str, str | None], bool]:
        """The arguments, working folder and environment of one dbt run (`dbt()` and
        `dbt_process()` alike), and whether its parse may seed the next new target folder."""
        args = self._artifact_args(self._build_args(args))
        shares_parse = cwd is None and not PATH_VARIABLES & extra_env.keys() and self._laid_out_alike()
        # A run under variables of its own (a memory limit: part of the profile) parses
        # under another profile, and a project copy's parse holds its edits: neither is a
        # start for the next target folder.
        keeps_parse = shares_parse and not extra_env and self.project_dir == PROJECT_DIR
        if shares_parse:
            cwd, extra_env = self._shared_parse_env(args, extra_env)
        return args, cwd, extra_env, keeps_parse

    def _build_args(self, args: tuple[str, ...]) -> tuple[str, ...]:
        """`args` with the unit tests left out of a `build` whose unit-test results another
        test already gives: a build of the repository's project, with no choice of
        resource types or unit tests by the caller, under the default vars (the session's
        scenario build runs them) or under vars whose every other value
        test_unit_tests_pin_their_definition.py runs them under (all settings but
        `event_collector`: a collector build keeps them, since its staging models differ).
        A build of an edited project copy keeps them (its seed edits are its own)."""
        if self.unit_tests or not args or args[0] != "build" or self.project_dir != PROJECT_DIR:
            return args
        if any("unit" in arg or "resource-type" in arg for arg in args):
            return args
        if "event_collector" in _vars_named(_vars_of(args)):
            return args
        return (*args, "--exclude-resource-type", "unit_test")

    def _artifact_args(self, args: tuple[str, ...]) -> tuple[str, ...]:
        """`args` with `--no-write-json` when this warehouse's tests read no JSON artifact
        (`artifacts`), the command runs nodes, and the caller chose nothing itself."""
        if self.artifacts or not args or args[0] not in ARTIFACT_COMMANDS:
            return args
        if {"--write-json", "--no-write-json"} & set(args):
            return args
        return (*args, "--no-write-json")

    def _laid_out_alike(self) -> bool:
        """Whether this warehouse is laid out as `in_folder` makes one: the runs whose
        parse is shared (see `_shared_parse_env`), of the repository's project or of a
        copy (`project_copy`)."""
        return self.path.name == "warehouse.duckdb" and self.target_dir == self.path.parent / "target"

    def _shared_parse_env(
        self, args: tuple[str, ...], extra_env: dict[str, str | None]
    ) -> tuple[Path, dict[str, str | None]]:
        """The working folder and environment that let this run start from a parse made
        before, copied into a new target folder (see `parsed_once` and `_keep_parse`).

        dbt parses the whole project (about 6 s of CPU) in every new target folder, and
        rejects a copied `partial_parse.msgpack` when the profile's connection differs: the
        warehouse path and spill folder are part of that hash. Run from the warehouse's
        folder with both paths relative, every warehouse laid out alike has the same hash.
        dbt still checks the vars, the profile, dbt_project.yml and every file's checksum,
        so a copied parse that does not fit is thrown away and the project parsed in full.

        A project copy (a test that edits a seed or a model) starts from the repository's
        parse too: dbt re-parses the files whose checksum differs, from the copy. A seed
        it did not re-parse keeps the repository's path and is loaded from there, which is
        the same file: its checksum says so.
        """
        mine = self.target_dir / "partial_parse.msgpack"
        seed = _PARSE_SEEDS.get(_vars_of(args))
        if seed is not None and not mine.exists():
            self.target_dir.mkdir(parents=True, exist_ok=True)
            shutil.copy(seed, mine)
        return self.path.parent, dict(
            extra_env, ACTIVATION_WAREHOUSE_PATH=self.path.name, ACTIVATION_WAREHOUSE_TEMP_DIR="target/duckdb_tmp",
        )

    def mf(self, *args: str) -> list[dict[str, str]]:
        """Run `mf query ARGS` (MetricFlow) on this warehouse's last build; its rows as dicts.

        mf reads the semantic manifest only from `<project>/target/semantic_manifest.json`,
        so it runs in a folder of its own holding the project file and this build's
        manifest. It opens the warehouse: call it after dbt has exited, with no connection
        open (one writer at a time).
        """
        project = self.target_dir.parent / "mf_project"
        (project / "target").mkdir(parents=True, exist_ok=True)
        if not (project / "dbt_project.yml").exists():
            (project / "dbt_project.yml").symlink_to(PROJECT_DIR / "dbt_project.yml")
        shutil.copy(self.target_dir / "semantic_manifest.json", project / "target" / "semantic_manifest.json")
        out = project / "result.csv"
        out.unlink(missing_ok=True)
        result = subprocess.run(
            [str(MF), "query", *args, "--csv", str(out), "--quiet"], cwd=project,
            env=self.env(DBT_PROJECT_DIR=str(project)), capture_output=True, text=True,
        )
        if result.returncode != 0 or not out.exists():
            raise AssertionError(
                f"mf query {' '.join(args)} failed ({result.returncode}):\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
            )
        with open(out, newline="") as handle:
            return list(csv.DictReader(handle))

    def query(self, sql: str) -> list[tuple]:
        with duckdb.connect(str(self.path), read_only=True) as connection:
            return connection.execute(sql).fetchall()

    def scalar(self, sql: str):
        return self.query(sql)[0][0]


#: This pytest worker's dbt runs, forked from a process that imported dbt once
#: (dbt_forkserver.py: about 3 s of start-up saved a command).
FORK_SERVER = ForkServer()
#: ACTIVATION_WAREHOUSE_TEST_DBT_FORK=0 runs every dbt command as a program (to rule the
#: server out when a test behaves oddly).
_FORKED = FORK_SERVER.run if os.environ.get("ACTIVATION_WAREHOUSE_TEST_DBT_FORK", "1") != "0" else None


@pytest.fixture(scope="session", autouse=True)
def _fork_server_closed() -> Iterator[None]:
    yield
    FORK_SERVER.close()


#: The dbt commands whose JSON artifacts ScratchWarehouse.artifacts governs: those that run
#: nodes (`parse`, `ls`, `compile`, `show` and `docs` keep dbt's default).
ARTIFACT_COMMANDS = {"build", "run", "seed", "test"}

#: Variables a test sets to run dbt on other paths than its ScratchWarehouse's own: such a
#: run keeps the caller's paths and working folder (and parses in full).
PATH_VARIABLES = {"ACTIVATION_WAREHOUSE_PATH", "ACTIVATION_WAREHOUSE_TEMP_DIR"}

#: Parses of the repository's project a new target folder starts from, by the `--vars`
#: they were made under (None: none): the session's (`parsed_once`), and in each worker
#: the first of every other vars (`_keep_parse`), since a test file builds under the
#: same vars in test after test.
_PARSE_SEEDS: dict[str | None, Path] = {}


def _vars_of(args: tuple[str, ...]) -> str | None:
    """The `--vars` value of a dbt command line, or None."""
    return args[args.index("--vars") + 1] if "--vars" in args[:-1] else None


def _vars_named(variables: str | None) -> set[str]:
    """The names a `--vars` value sets (YAML or JSON, as dbt reads it); none for a value
    that is not a mapping (dbt refuses it before any node runs)."""
    loaded = yaml.safe_load(variables) if variables else None
    return set(loaded) if isinstance(loaded, dict) else set()


def _keep_parse(args: tuple[str, ...], parse: Path) -> None:
    """Keep the parse a run made under vars not seen before, for the next new target
    folder under the same vars. Kept beside the session's parse, in this worker's folder
    (the target folder may be changed or deleted by its test)."""
    key = _vars_of(args)
    if key in _PARSE_SEEDS or None not in _PARSE_SEEDS or not parse.exists():
        return
    kept = _PARSE_SEEDS[None].parent / f"vars_{len(_PARSE_SEEDS)}.msgpack"
    shutil.copy(parse, kept)
    _PARSE_SEEDS[key] = kept


def run_wide_folder(name: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder shared by every pytest-xdist worker of this run (their base folders are
    siblings); without xdist, one in the session's own base folder."""
    base = tmp_path_factory.getbasetemp()
    return (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / f"shared_{name}"


@contextmanager
def _run_wide_lock(name: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The run-wide folder `name`, held under a file lock while the caller fills or reads
    it (pytest-xdist's recipe for a session fixture built once per run, not per worker;
    flock is in the standard library, so no filelock package is needed)."""
    shared = run_wide_folder(name, tmp_path_factory)
    with open(f"{shared}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield shared
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def built_once(
    name: str, tmp_path_factory: pytest.TempPathFactory, build: Callable[[Path], None]
) -> Path:
    """`build(folder)` run once per pytest run, whatever the number of workers, and a copy
    of its result (all but the raw files) in this worker's own folder.

    The copy keeps workers apart: a test may write into its session build (MetricFlow
    opens the warehouse read-write, a test appends a row) and DuckDB allows one writer per
    file, so two workers must never open the same file. Copying 100 MB takes a second; a
    build takes a minute. A build that failed is tried again by the next worker (its error
    is then that test's error too).
    """
    with _run_wide_lock(name, tmp_path_factory) as shared:
        done = shared / ".built"
        if not done.exists():
            shutil.rmtree(shared, ignore_errors=True)
            shared.mkdir(parents=True)
            build(shared)
            done.touch()
    local = tmp_path_factory.mktemp(name)
    for item in shared.iterdir():
        if item.name == "raw" or item.name.startswith("."):
            continue
        if item.is_dir():
            shutil.copytree(item, local / item.name, symlinks=True)
        else:
            shutil.copy2(item, local / item.name)
    return local


@pytest.fixture(scope="session", autouse=True)
def parsed_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One `dbt parse` of the repository's project per run, whose partial-parse file every
    new scratch target folder starts from (ScratchWarehouse._shared_parse_env)."""
    def parse(folder: Path) -> None:
        ScratchWarehouse.in_folder(folder).dbt("parse")

    seed = built_once("parse", tmp_path_factory, parse) / "target" / "partial_parse.msgpack"
    _PARSE_SEEDS[None] = seed
    return seed


#: Test files that each take a minute or more, longest first (by `--durations=0`), started
#: first so that the two pytest workers (`make test` runs `pytest -n 2 --dist loadfile`)
#: finish together instead of one starting a long file last. Names are patterns: a long
#: file split in parts keeps its place.
LONGEST_FIRST = (
    "test_engines*.py", "test_restatement.py", "test_data_quality_scope.py", "test_incremental_property.py",
    "test_crash_safety.py", "test_data_quality.py", "test_hostile_input.py", "test_changed_definition.py",
    "test_collector_sources.py", "test_resource_bounds.py", "test_load_daily.py", "test_demo_build.py",
    "test_exclusion_rule.py",
)


def pytest_configure(config: pytest.Config) -> None:
    """pytest-xdist hands out the files with the most tests first unless told not to; a
    file of one long test then starts last and keeps a worker busy alone at the end. Keep
    the collection's order (LONGEST_FIRST), which is by time."""
    if hasattr(config.option, "loadscopereorder"):
        config.option.loadscopereorder = False


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Collect the longest test files first (a stable sort: order within a file is kept).
    An entry is a file name pattern, so a long file split in parts keeps its place."""
    def rank(item: pytest.Item) -> int:
        name = item.path.name
        return next((i for i, pattern in enumerate(LONGEST_FIRST) if fnmatch(name, pattern)), len(LONGEST_FIRST))

    items.sort(key=rank)


def project_copy(destination: Path) -> Path:
    """A copy of the dbt project (models, macros, seeds, data tests, configuration) that a
    test may edit, e.g. to give a seed a hostile row, without touching the repository."""
    shutil.copytree(
        PROJECT_DIR, destination,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", ".ci", "target", "logs", "bench", "scripts", "activation_warehouse",
            "python", "*.duckdb*", "__pycache__", ".pytest_cache", "README.md",
        ),
    )
    return destination


def mart_differences(expected: ScratchWarehouse, actual: ScratchWarehouse) -> list[str]:
    """Every mart of `expected`'s last build compared with the same table in `actual`, as
    row sets (numbers to 1e-9); an empty list means all marts are equal."""
    problems: list[str] = []
    for schema, table in mart_relations(expected.target_dir / "manifest.json"):
        columns, want = read_duckdb_table(expected.path, schema, table)
        _, got = read_duckdb_table(actual.path, schema, table)
        problems += [f"{schema}.{table}: {line}" for line in compare_rows(columns, want, got)]
    return problems


@pytest.fixture
def scratch_warehouse(tmp_path: Path) -> ScratchWarehouse:
    return ScratchWarehouse(path=tmp_path / "warehouse.duckdb", target_dir=tmp_path / "target")


@pytest.fixture(scope="session")
def small_demo(tmp_path_factory: pytest.TempPathFactory) -> ScratchWarehouse:
    """A small demo (100 accounts, fixed end time) built once for every test module that reads
    a whole build without changing it: the report, the publication, the semantic layer."""
    def build(root: Path) -> None:
        generate_demo(root / "raw", DemoConfig(accounts=100, end=datetime(2026, 6, 1)), progress=False)
        load_folder(root / "raw", root / "warehouse.duckdb", progress=False)
        ScratchWarehouse.in_folder(root, artifacts=True).dbt("build")

    return ScratchWarehouse.in_folder(built_once("small_demo", tmp_path_factory, build), artifacts=True)


@pytest.fixture(scope="session")
def scenario_build(tmp_path_factory: pytest.TempPathFactory) -> ScratchWarehouse:
    """The hand-written scenario (tests/python/data/scenario) built once on DuckDB: the
    acceptance test reads it, and the other engines are compared with it."""
    def build(root: Path) -> None:
        load_folder(FIXTURES_DIR / "scenario", root / "warehouse.duckdb", progress=False)
        # The one build of the run that runs dbt's unit tests (ScratchWarehouse.unit_tests).
        ScratchWarehouse.in_folder(root, unit_tests=True, artifacts=True).dbt("build")

    return ScratchWarehouse.in_folder(built_once("scenario", tmp_path_factory, build), artifacts=True)


@pytest.fixture(scope="session")
def default_demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[ScratchWarehouse, Path]:
    """The demo data at the default scale (fixed seed and end time) built once on DuckDB,
    with the folder of its raw files."""
    def build(root: Path) -> None:
        generate_demo(root / "raw", DemoConfig(end=datetime(2026, 6, 1)), progress=False)
        load_folder(root / "raw", root / "warehouse.duckdb", progress=False)
        ScratchWarehouse.in_folder(root, artifacts=True).dbt("build")

    # The raw files stay in the shared folder: tests only read them.
    local = built_once("demo", tmp_path_factory, build)
    return ScratchWarehouse.in_folder(local, artifacts=True), run_wide_folder("demo", tmp_path_factory) / "raw"
