"""`activation-warehouse build --if-changed`: no dbt at all when nothing changed.

An hourly `dbt run` with nothing new keeps every table (docs/incremental-builds.md,
"Unchanged tables are kept"), but dbt still starts, parses and visits each node: about
7 s of dbt's own work at any scale before the project's SQL (docs/performance.md). A build
is a pure function of the raw tables, the project's files, the vars and arguments, and the
environment dbt reads (the as-of time comes from the data, never the wall clock), so when
none of those changed since the last successful build, its result would be the warehouse
as it is. This module decides that before dbt starts, in well under a second.

What is compared, and where each comes from:

- the **build key**: a hash of dbt's arguments, every file dbt reads in the project (models,
  macros, seeds, tests, snapshots, analyses, docs, installed packages, dbt_project.yml,
  profiles.yml), the
  `ACTIVATION_WAREHOUSE_*` and `DBT_*` environment dbt sees, and the installed versions of
  dbt and DuckDB; kept in `history.unchanged_build_keys` after each successful build run
  this way;
- the **raw tables' signatures**: the on-run-start hook `record_source_signatures` keeps,
  beside each source's signature, the query that took it (`history.source_signature_queries`,
  null for a source that was missing). The check runs those same queries again, so how a
  source is signed is written once, in that macro;
- **no dbt invocation since**: the latest invocation in `history.dbt_run_results` must be
  the recorded build's (a `dbt seed` or a partial run in between makes the next check run).

A build that selected a model reading tables no source names (meta
`reads_unlisted_tables`: a collector's per-event tables, found in its schema) is never
vouched for: the hook records such a model without a query, and the check runs dbt.

Anything unknown (a first build, another engine, `--full-refresh`, a table that cannot be
read) means dbt runs. Skipping leaves two things for the next build that runs: the
restatement check of raw days already read (docs/incremental-builds.md, "Restated raw
data": an in-place edit that keeps a raw table's row count and latest load time is found
there, not here), and the build-time stamps of the data-quality history.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

import duckdb
import yaml

from activation_warehouse.publish_checks import RUN_RESULTS_SCHEMA, RUN_RESULTS_TABLE, latest_invocation
from activation_warehouse.warehouse_lock import open_warehouse

#: The option of `activation-warehouse build` that asks for the check (taken out of the
#: arguments before they reach dbt).
IF_CHANGED = "--if-changed"
HISTORY = RUN_RESULTS_SCHEMA
KEYS_TABLE = "unchanged_build_keys"
#: dbt commands whose result the check can vouch for: they build the warehouse from the
#: raw tables; anything else runs as asked.
CHECKED_COMMANDS = ("build", "run")
#: Arguments that make a build differ from "the same build again" (a full refresh is asked
#: for its side effect) or point it at something the check does not open.
NEVER_SKIPPED = (
    "--full-refresh", "-f", "--target", "-t", "--profile", "--profiles-dir", "--project-dir",
    "--state", "--defer", "--empty",
)
#: Environment that only changes how dbt prints, never what it builds.
DISPLAY_ONLY = frozenset({
    "DBT_USE_COLORS", "DBT_PRINTER_WIDTH", "DBT_LOG_FORMAT", "DBT_QUIET", "DBT_SEND_ANONYMOUS_USAGE_STATS",
    "DBT_LOG_PATH", "DBT_TARGET_PATH",
})
#: Files beside dbt_project.yml that dbt reads when present.
PROJECT_FILES = ("dbt_project.yml", "profiles.yml", "packages.yml", "dependencies.yml", "selectors.yml")
PATH_KEYS = ("model-paths", "macro-paths", "seed-paths", "test-paths", "snapshot-paths", "analysis-paths", "docs-paths")
PACKAGES = ("dbt-core", "dbt-adapters", "dbt-duckdb", "duckdb")


@dataclass(frozen=True)
class Unchanged:
    """The build the warehouse already holds, for the one line the command prints."""

    invocation_id: str
    recorded_at: datetime
    sources: int

    def message(self) -> str:
        return (
            f"Nothing changed since the build of {self.recorded_at:%Y-%m-%d %H:%M:%S} UTC (invocation"
            f" {self.invocation_id}): same code, settings and arguments, and the same signature"
            f" of all {self.sources} raw tables; dbt not started."
        )


def is_checked(dbt_args: list[str]) -> bool:
    """Whether the check can stand for this dbt command line (a plain build or run)."""
    if not dbt_args or dbt_args[0] not in CHECKED_COMMANDS:
        return False
    return not any(arg.split("=", 1)[0] in NEVER_SKIPPED for arg in dbt_args[1:])


def _project_paths(project_dir: Path) -> list[Path]:
    """Every file dbt reads in the project, in a fixed order."""
    config = yaml.safe_load((project_dir / "dbt_project.yml").read_text()) or {}
    files = [project_dir / name for name in PROJECT_FILES if (project_dir / name).is_file()]
    folders = [project_dir / config.get("packages-install-path", "dbt_packages")]
    for key in PATH_KEYS:
        folders += [project_dir / folder for folder in config.get(key, [])]
    for folder in folders:
        if folder.is_dir():
            files += [path for path in folder.rglob("*") if path.is_file() and "__pycache__" not in path.parts]
    return sorted(set(files))


def build_key(dbt_args: list[str], project_dir: Path, env: dict[str, str]) -> str:
    """The hash of everything besides the raw tables that decides what a build makes:
    dbt's arguments, the project's files, the environment dbt reads, the versions."""
    digest = hashlib.sha256()
    environment = {
        name: value for name, value in env.items()
        if name.startswith(("ACTIVATION_WAREHOUSE_", "DBT_")) and name not in DISPLAY_ONLY
    }
    versions = {}
    for package in PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    digest.update(json.dumps([dbt_args, environment, versions], sort_keys=True).encode())
    for path in _project_paths(project_dir):
        digest.update(str(path.relative_to(project_dir)).encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _table(catalog: str, name: str) -> str:
    return f'"{catalog}"."{HISTORY}"."{name}"'


def _exists(connection: duckdb.DuckDBPyConnection, database: str | None, schema: str, name: str) -> bool:
    """Whether a table or view of that name exists (any catalog when `database` is null)."""
    return connection.execute(
        "select count(*) from (select database_name, schema_name, table_name as name from duckdb_tables()"
        " union all select database_name, schema_name, view_name from duckdb_views()) as relations"
        " where (? is null or database_name = ?) and schema_name = ? and name = ?",
        [database, database, schema, name],
    ).fetchone()[0] > 0


def unchanged_build(warehouse: Path, key: str) -> Unchanged | None:
    """The recorded build the warehouse holds when nothing it was built from has changed
    since (same key, every raw table signed the same, no dbt invocation after it); None
    whenever that cannot be shown."""
    if not warehouse.exists():
        return None
    with open_warehouse(warehouse, read_only=True) as connection:
        catalog = connection.execute("select current_database()").fetchone()[0]
        for name in (KEYS_TABLE, "source_signature_queries", "source_signatures", RUN_RESULTS_TABLE):
            if not _exists(connection, catalog, HISTORY, name):
                return None
        recorded = connection.execute(
            f"select build_key, invocation_id, recorded_at from {_table(catalog, KEYS_TABLE)}"  # noqa: S608
        ).fetchall()
        if len(recorded) != 1 or recorded[0][0] != key:
            return None
        _, invocation_id, recorded_at = recorded[0]
        if latest_invocation(connection, catalog) != invocation_id:
            return None
        queries = connection.execute(
            "select input_id, source_database, source_schema, source_identifier, signature_sql, invocation_id"
            f" from {_table(catalog, 'source_signature_queries')}"  # noqa: S608
        ).fetchall()
        signatures = dict(connection.execute(
            f"select input_id, signature from {_table(catalog, 'source_signatures')} where invocation_id = ?",  # noqa: S608
            [invocation_id],
        ).fetchall())
        if not queries or any(row[5] != invocation_id for row in queries):
            return None
        for input_id, database, schema, identifier, signature_sql, _ in queries:
            if identifier is None:
                return None  # a model that reads tables no signature covers (a collector's)
            if signature_sql is None:
                if _exists(connection, database, schema, identifier):
                    return None  # a source that was missing has appeared
                continue
            try:
                now = connection.execute(signature_sql).fetchone()[0]
            except duckdb.Error:
                return None
            if now is None or now != signatures.get(input_id):
                return None
        return Unchanged(invocation_id=invocation_id, recorded_at=recorded_at, sources=len(signatures))


def record_build(warehouse: Path, key: str, started_at: datetime) -> str | None:
    """After a successful build: remember its key against the invocation whose signatures
    the warehouse holds, if that invocation started after `started_at` (naive UTC, taken
    before dbt started), i.e. is this build's. Returns the invocation recorded, or None
    (and forgets any earlier record) when this build took no signatures."""
    with open_warehouse(warehouse) as connection:
        catalog = connection.execute("select current_database()").fetchone()[0]
        connection.execute(f'create schema if not exists "{catalog}"."{HISTORY}"')
        keys = _table(catalog, KEYS_TABLE)
        connection.execute(
            f"create table if not exists {keys} (build_key varchar, invocation_id varchar, recorded_at timestamp)"
        )
        connection.execute(f"delete from {keys}")  # noqa: S608
        if not _exists(connection, catalog, HISTORY, "source_signatures"):
            return None
        taken = connection.execute(
            f"select invocation_id, max(recorded_at) from {_table(catalog, 'source_signatures')}"  # noqa: S608
            " group by invocation_id"
        ).fetchall()
        if len(taken) != 1 or taken[0][1] is None or taken[0][1] < started_at:
            return None
        invocation_id = taken[0][0]
        connection.execute(f"insert into {keys} values (?, ?, ?)", [key, invocation_id, taken[0][1]])  # noqa: S608
        return invocation_id


def forget_build(warehouse: Path) -> None:
    """After a failed build: no record, so the next check runs dbt (and fails again, as
    it should, until fixed)."""
    if not warehouse.exists():
        return
    with open_warehouse(warehouse) as connection:
        catalog = connection.execute("select current_database()").fetchone()[0]
        if _exists(connection, catalog, HISTORY, KEYS_TABLE):
            connection.execute(f"delete from {_table(catalog, KEYS_TABLE)}")  # noqa: S608


def build_if_changed(
    dbt_args: list[str], warehouse: Path, project_dir: Path, env: dict[str, str],
    run: Callable[[list[str]], int], check: bool,
) -> int:
    """Run dbt with `dbt_args` (through `run`, which returns dbt's exit code) and return
    its exit code; with `check`, first ask whether `warehouse` already holds this build
    (then say so and return 0), and after the run record (exit 0) or forget (any other)
    its key for the next check. `env` is the environment dbt runs under."""
    check = check and is_checked(dbt_args)
    key = build_key(dbt_args, project_dir, env) if check else ""
    if check:
        found = unchanged_build(warehouse, key)
        if found is not None:
            print(found.message(), flush=True)
            return 0
    started_at = datetime.now(timezone.utc).replace(tzinfo=None)
    code = run(dbt_args)
    if check:
        if code == 0:
            record_build(warehouse, key, started_at)
        else:
            forget_build(warehouse)
    return code
