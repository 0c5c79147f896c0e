"""Whether the build about to be published passed its checks.

BI tools read only the published copy, so a publication is where a failed test would
otherwise reach people unnoticed. Every dbt invocation records its nodes' results in
``history.dbt_run_results`` (an on-run-end hook); publish reads the latest invocation
that ran tests and refuses when a test failed or errored, or a model errored, in it
(`--force` publishes anyway and says so in ``meta.publication``). A warehouse built
before that table existed publishes as before, marked ``checks: unrecorded``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

#: Where the build records its run results: schema and table.
RUN_RESULTS_SCHEMA = "history"
RUN_RESULTS_TABLE = "dbt_run_results"
#: Resource types whose results are checks (data tests and unit tests).
CHECK_TYPES: tuple[str, ...] = ("test", "unit_test")
#: dbt's statuses of a failed check, and of a failed model (or seed, snapshot).
FAILED_CHECK_STATUSES: tuple[str, ...] = ("fail", "error")
FAILED_NODE_STATUS = "error"
#: How many failed nodes the refusal names (the rest are counted).
NAMED_IN_REFUSAL = 5


@dataclass
class ChecksVerdict:
    """What the last tested build says: `state` is passed, failed or unrecorded."""

    state: str
    invocation_id: str | None = None
    failed: list[str] = field(default_factory=list)

    def refusal(self) -> str:
        """The one line publish prints when it refuses."""
        named = ", ".join(self.failed[:NAMED_IN_REFUSAL])
        more = len(self.failed) - NAMED_IN_REFUSAL
        rest = f" and {more} more" if more > 0 else ""
        return (
            f"publish refused: {len(self.failed)} failed in the last tested build"
            f" (invocation {self.invocation_id}): {named}{rest};"
            " fix and rebuild, or publish --force"
        )


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def latest_invocation(
    connection: duckdb.DuckDBPyConnection, catalog: str, resource_types: tuple[str, ...] | None = None,
) -> str | None:
    """The dbt invocation whose results came last in `history.dbt_run_results` (only those
    that ran one of `resource_types`, when given); None when none is recorded. Publish asks
    for the latest tested build, `build --if-changed` (unchanged.py) for the latest of all.

    generated_at orders invocations (run_started_at breaks a tie): the hook writes it once
    per invocation."""
    table = f'"{catalog}"."{RUN_RESULTS_SCHEMA}"."{RUN_RESULTS_TABLE}"'
    where = f" where resource_type in ({', '.join(_literal(kind) for kind in resource_types)})" if resource_types else ""
    latest = connection.execute(
        f"select invocation_id from {table}{where}"  # noqa: S608
        " group by invocation_id order by max(generated_at) desc, max(run_started_at) desc limit 1"
    ).fetchall()
    return latest[0][0] if latest else None


def read_checks(connection: duckdb.DuckDBPyConnection, catalog: str) -> ChecksVerdict:
    """The verdict of the latest invocation that ran tests, read from `catalog` (the
    warehouse as attached in `connection`)."""
    exists = connection.execute(
        "select count(*) from duckdb_tables() where database_name = ? and schema_name = ? and table_name = ?",
        [catalog, RUN_RESULTS_SCHEMA, RUN_RESULTS_TABLE],
    ).fetchall()[0][0]
    if not exists:
        return ChecksVerdict(state="unrecorded")
    table = f'"{catalog}"."{RUN_RESULTS_SCHEMA}"."{RUN_RESULTS_TABLE}"'
    checks = ", ".join(_literal(kind) for kind in CHECK_TYPES)
    invocation_id = latest_invocation(connection, catalog, CHECK_TYPES)
    if invocation_id is None:
        return ChecksVerdict(state="unrecorded")
    failed_statuses = ", ".join(_literal(status) for status in FAILED_CHECK_STATUSES)
    failed = [
        name for (name,) in connection.execute(
            f"select coalesce(name, unique_id) from {table} where invocation_id = ? and ("
            f" (resource_type in ({checks}) and lower(status) in ({failed_statuses}))"
            f" or (resource_type not in ({checks}) and lower(status) = {_literal(FAILED_NODE_STATUS)}))"
            " order by 1",
            [invocation_id],
        ).fetchall()
    ]
    return ChecksVerdict(state="failed" if failed else "passed", invocation_id=invocation_id, failed=failed)
