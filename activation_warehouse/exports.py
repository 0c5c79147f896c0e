"""The nudge list as files a reverse-ETL tool (Hightouch, Census) syncs to a CS or marketing tool.

Every publication writes ``published/exports/stalled_users.csv`` and ``.parquet`` from the
mart ``stalled_users`` of the file being published. The columns are an explicit list,
not ``select *``: a column added to the mart later (which the mart's contract allows) must
never reach a customer-facing tool unannounced; it enters the export only when it is added
here and to README ("Reading the warehouse from BI tools", "The nudge export"). Ids and
segments only, no personal data (no email, no name). Each file is written next to its
final path and renamed over it (``os.replace``), so a sync never reads half a file.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

#: The export's folder inside the publish folder.
EXPORTS_DIR_NAME = "exports"
#: The export's file stem (``.csv`` and ``.parquet``).
STALLED_USERS_EXPORT = "stalled_users"
#: The columns of the export, in order; user_id is the sync key. README documents each.
STALLED_USERS_EXPORT_COLUMNS: tuple[str, ...] = (
    "user_id",
    "account_id",
    "current_milestone",
    "data_source_type",
    "company_size_band",
    "signup_channel",
    "is_in_scope",
    "whole_days_stalled",
    "whole_days_left",
    "is_newly_stalled",
    "stalled_since",
    "last_action_at",
    "last_action_name",
    "window_ends_at",
    "as_of",
)


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def export_paths(out_dir: Path) -> dict[str, Path]:
    """The export files of a publish folder, by format ("csv", "parquet")."""
    folder = Path(out_dir) / EXPORTS_DIR_NAME
    return {fmt: folder / f"{STALLED_USERS_EXPORT}.{fmt}" for fmt in ("csv", "parquet")}


def stage_stalled_users_export(database: Path, out_dir: Path) -> dict[Path, Path]:
    """Write the export of `database`'s marts.stalled_users to temporary files beside
    their final paths; returns {temporary: final} for `commit_export` (kept apart so the
    publication swaps the exports in only once its database is in place)."""
    columns = ", ".join(f'"{column}"' for column in STALLED_USERS_EXPORT_COLUMNS)
    staged: dict[Path, Path] = {}
    connection = duckdb.connect(str(database), read_only=True)
    try:
        connection.execute("set TimeZone = 'UTC'")
        for fmt, final in export_paths(out_dir).items():
            final.parent.mkdir(parents=True, exist_ok=True)
            temporary = final.with_name(f"{final.name}.tmp-{os.getpid()}")
            options = "format csv, header true" if fmt == "csv" else "format parquet, compression zstd"
            connection.execute(
                f"copy (select {columns} from marts.stalled_users order by user_id)"
                f" to {_literal(str(temporary))} ({options})"
            )
            staged[temporary] = final
    except BaseException:
        discard_export(staged)
        raise
    finally:
        connection.close()
    return staged


def commit_export(staged: dict[Path, Path]) -> None:
    """Rename each staged file over its final path (atomic for a reader of that path)."""
    for temporary, final in staged.items():
        with open(temporary, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(temporary, final)


def discard_export(staged: dict[Path, Path]) -> None:
    """Remove staged files of a publication that failed."""
    for temporary in staged:
        temporary.unlink(missing_ok=True)
