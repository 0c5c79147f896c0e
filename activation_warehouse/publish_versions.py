"""The files of a publication on disk: complete versions, and what a killed one leaves.

A publication can be killed at any instruction (a scheduler's timeout, the OOM killer),
with no chance to clean up. What it leaves must never pass for data:

* everything is written under a temporary name: the database as
  ``activation_marts.duckdb.tmp-<pid>``, the Parquet folder as ``parquet/tmp-v<time>-<pid>``
  (a name publish never reads);
* a Parquet folder is complete only once every file in it is fsynced, a ``_COMPLETE``
  marker written and fsynced, and the folder renamed to ``parquet/v<time>-<pid>``;
* the next publication (holding the publish lock, so no other publisher is alive) removes
  every temporary name and every ``v`` folder without the marker, and keeps as the
  previous version the one ``current`` pointed to: the last complete publication, never a
  half-written folder that merely sorts last.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

#: File inside a Parquet version folder that says it was completely written.
COMPLETE_MARKER = "_COMPLETE"
#: Prefix of a Parquet folder still being written.
STAGING_PREFIX = "tmp-"
#: Whether the previous Parquet version is kept besides the current one (a reader may
#: still be reading it): 1 keeps it, 0 does not.
KEEP_PREVIOUS_PARQUET_VERSIONS = 1


def fsync_dir(path: Path) -> None:
    """Make a rename or a new entry in `path` durable."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def fsync_file(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def remove_quietly(path: Path) -> None:
    """Remove a file, symlink or folder; a path already gone is fine."""
    try:
        if path.is_symlink() or path.is_file():
            path.unlink()
        elif path.is_dir():
            shutil.rmtree(path)
    except FileNotFoundError:
        pass


def current_version(parquet_root: Path) -> Path | None:
    """The version folder `parquet/current` points to, if any."""
    current = parquet_root / "current"
    if not current.is_symlink():
        return None
    target = parquet_root / os.readlink(current)
    return target if target.is_dir() else None


def is_complete(version: Path, parquet_root: Path) -> bool:
    """A version folder carrying the marker; or the one `current` points to, which a
    publication made before the marker existed flipped to only once it was written."""
    return (version / COMPLETE_MARKER).is_file() or version == current_version(parquet_root)


def _versions(parquet_root: Path) -> list[Path]:
    return sorted(
        (path for path in parquet_root.iterdir()
         if path.is_dir() and not path.is_symlink() and path.name.startswith("v")),
        key=lambda path: path.name,
    )


def clean_leftovers(out_dir: Path, database_name: str) -> list[Path]:
    """Remove what publications that died left (the caller holds the publish lock, so no
    publisher is alive to own them); returns what was removed."""
    removed = list(out_dir.glob(f"{database_name}.tmp-*"))
    parquet_root = out_dir / "parquet"
    if parquet_root.is_dir():
        removed += parquet_root.glob("current.tmp-*")
        removed += parquet_root.glob(f"{STAGING_PREFIX}*")
        removed += [version for version in _versions(parquet_root) if not is_complete(version, parquet_root)]
    exports = out_dir / "exports"
    if exports.is_dir():
        removed += exports.glob("*.tmp-*")
    for path in removed:
        remove_quietly(path)
    return removed


def seal(staging: Path, version_dir: Path) -> None:
    """Make a fully written staging folder a complete version: fsync its files, then the
    marker, then rename it to its version name (the rename is the commit)."""
    for folder, _, files in os.walk(staging):
        for name in files:
            fsync_file(Path(folder) / name)
        fsync_dir(Path(folder))
    marker = staging / COMPLETE_MARKER
    marker.write_text("every file of this version was written and fsynced\n")
    fsync_file(marker)
    fsync_dir(staging)
    os.rename(staging, version_dir)
    fsync_dir(version_dir.parent)


def flip_current(parquet_root: Path, version_dir: Path) -> None:
    """Point `parquet/current` at `version_dir` atomically, keep the version it pointed to
    before (the last complete publication: a reader may be half-way through it), and
    remove the other versions."""
    previous = current_version(parquet_root)
    current = parquet_root / "current"
    staged = parquet_root / f"current.tmp-{os.getpid()}"
    remove_quietly(staged)
    staged.symlink_to(version_dir.name, target_is_directory=True)
    os.replace(staged, current)
    fsync_dir(parquet_root)
    if not KEEP_PREVIOUS_PARQUET_VERSIONS:
        kept: list[Path] = []
    elif previous is not None:
        kept = [previous]
    else:
        complete = [path for path in _versions(parquet_root) if path != version_dir and (path / COMPLETE_MARKER).is_file()]
        kept = complete[-1:]
    for path in _versions(parquet_root):
        if path != version_dir and path not in kept:
            remove_quietly(path)
