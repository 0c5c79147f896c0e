"""Property: however a raw event stream is cut into batches, loading the batches one by one
with an incremental `dbt run` after each ends exactly where a full refresh of the whole
stream ends: every table of the marts and intermediate schemas, row for row (floats to
1e-9; the bookkeeping column loaded_through left out).

The stream is a small generated demo (8 accounts, 30 days: about 1,300 rows with the
generator's dirt: retries, late and days-late arrivals, bad times, anonymous pre-signup
browsing), plus rows the generator never writes, added so a split can land on them:
  * shared devices: a sighting of another user with an anonymous id already seen with a
    user, occurred a minute before that first sighting and received days later, so a
    later batch changes the id's owner and moves its anonymous events between people;
  * out-of-order retries with a different payload: a copy of a clean event received half
    an hour before the original, so when a batch holds it back past the original the
    incremental run must swap the kept delivery.
Hypothesis draws 2 to 4 batches: the cut points (at least one just after the row an added
row plays against, the others there too or anywhere in the stream); whether rows received
in the two hours before a cut are held back to the next batch, each with probability one
half, as a load whose received_at does not increase (inside the default 3-hour lookback);
and whether the out-of-order retries in that window are such late rows while their
originals are not. Batches but the last run only the incremental models (the others hold
no state); the last runs every model. `pytest --hypothesis-show-statistics` tells what the
examples exercised.
"""

from __future__ import annotations

import random
import shutil
from datetime import datetime, timedelta

import duckdb
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from activation_warehouse.dev.generate import DemoConfig, generate_demo
from activation_warehouse.load import load_folder

from conftest import ScratchWarehouse
from test_incremental import (
    RAW_EVENT_COLUMNS, assert_reconciles, insert_rows, run_incremental, snapshot, table_differences,
)  # fmt: skip

pytestmark = pytest.mark.dbt

STREAM = DemoConfig(accounts=8, days=30, end=datetime(2026, 6, 1), seed=11)
RECEIVED = RAW_EVENT_COLUMNS.index("received_at")
HOLD_BACK = timedelta(hours=2)  # inside the default lookback (incremental_lookback_hours: 3)


def _added_rows(rows: list[tuple]) -> tuple[dict[str, list[tuple[tuple, tuple]]], list[datetime]]:
    """Shared-device sightings and out-of-order retries (see the module docstring), each
    with the row it plays against, and the received_at just after each of those rows: cut
    points worth trying."""
    column = {name: i for i, name in enumerate(RAW_EVENT_COLUMNS)}
    chooser = random.Random(5)
    sightings = sorted(
        (row for row in rows if row[column["user_id"]] and row[column["anonymous_id"]]
         and row[column["occurred_at"]] and row[column["event_id"]]),
        key=lambda row: (row[column["received_at"]], row[column["event_id"]]),
    )  # fmt: skip
    # The sighting that owns each anonymous id: the first by occurred_at (a valid time).
    first_sighting: dict[str, tuple[datetime, tuple]] = {}
    for row in sightings:
        occurred = _parsed(row[column["occurred_at"]])
        anonymous_id = row[column["anonymous_id"]]
        if occurred is None:
            continue
        if anonymous_id not in first_sighting or occurred < first_sighting[anonymous_id][0]:
            first_sighting[anonymous_id] = (occurred, row)
    users = sorted({row[column["user_id"]] for row in sightings})
    latest = max(row[RECEIVED] for row in rows)
    added: dict[str, list[tuple[tuple, tuple]]] = {"shared device": [], "retry received earlier": []}
    interesting = []
    for n, anonymous_id in enumerate(chooser.sample(sorted(first_sighting), 3)):
        occurred, original = first_sighting[anonymous_id]
        other_user = chooser.choice([user for user in users if user != original[column["user_id"]]])
        received = min(original[RECEIVED] + timedelta(days=2), latest)
        sighting = _with(original, column, event_id=f"shared-device-{n}", event_name="page_viewed",
                         user_id=other_user, account_id=None, properties=None, received_at=received,
                         occurred_at=(occurred - timedelta(minutes=1)).isoformat())
        added["shared device"].append((sighting, original))
        interesting.append(original[RECEIVED] + timedelta(minutes=1))
    for n, original in enumerate(chooser.sample(sightings, 3)):
        retry = _with(original, column, properties=f'{{"retry": {n}}}',
                      received_at=original[RECEIVED] - timedelta(minutes=30))
        added["retry received earlier"].append((retry, original))
        interesting.append(original[RECEIVED] + timedelta(minutes=1))
    return added, interesting


def _parsed(occurred_at: str | None) -> datetime | None:
    """An ISO-8601 time with an offset, or None when the generator wrote it malformed."""
    try:
        parsed = datetime.fromisoformat(occurred_at.replace("Z", "+00:00"))
    except (AttributeError, ValueError):
        return None
    return parsed if parsed.tzinfo is not None and parsed.year >= 2015 else None


def _with(row: tuple, column: dict[str, int], **changes: object) -> tuple:
    values = list(row)
    for name, value in changes.items():
        values[column[name]] = value
    return tuple(values)


@pytest.fixture(scope="module")
def stream(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The stream's rows, a seeded template warehouse without events, and the full refresh."""
    root = tmp_path_factory.mktemp("incremental_property")
    generate_demo(root / "raw", STREAM, progress=False)
    template_warehouse = ScratchWarehouse.in_folder(root / "template")
    template = template_warehouse.path
    load_folder(root / "raw", template, progress=False)
    with duckdb.connect(str(template)) as connection:
        rows = connection.execute(f"select {', '.join(RAW_EVENT_COLUMNS)} from raw.events").fetchall()
        connection.execute("delete from raw.events")
    added, interesting = _added_rows(rows)
    rows += [row for pairs in added.values() for row, _ in pairs]
    rows.sort(key=lambda row: (row[RECEIVED], str(row)))
    template_warehouse.dbt("seed")

    reference = ScratchWarehouse.in_folder(root / "reference")
    shutil.copy(template, reference.path)
    insert_rows(reference.path, "events", rows)
    reference.dbt("run")
    # Every example builds in the same file with the same target folder; laid out as every
    # scratch warehouse, so even the first run starts from the session's parse.
    slot = ScratchWarehouse.in_folder(root / "example")
    return {
        "rows": rows, "added": added, "interesting": interesting, "template": template, "slot": slot,
        "expected": snapshot(reference.path),
    }  # fmt: skip


def _batches(
    rows: list[tuple], cuts: list[datetime], hold_back: int | None, late_retries: set[tuple], on_time: set[tuple]
) -> list[list[tuple]]:
    """Rows by received_at between the cuts. A row received in the two hours before a cut
    moves to the next batch when it is one of `late_retries` (and then `on_time` rows never
    move), else, with a hold-back seed, with probability one half."""
    chooser = random.Random(hold_back)
    batches: list[list[tuple]] = [[] for _ in range(len(cuts) + 1)]
    for row in rows:
        index = sum(row[RECEIVED] >= cut for cut in cuts)
        if index < len(cuts) and cuts[index] - HOLD_BACK <= row[RECEIVED] and row not in on_time:
            if row in late_retries or (hold_back is not None and chooser.random() < 0.5):
                index += 1
        batches[index].append(row)
    return batches


def _describe(batches: list[list[tuple]], added: dict[str, list[tuple[tuple, tuple]]]) -> None:
    """Hypothesis statistics (pytest --hypothesis-show-statistics): what the split exercised."""
    batch_of = {}
    for number, batch in enumerate(batches):
        for row in batch:
            batch_of.setdefault(row, number)
    event(f"{len(batches)} batches")
    if any(row[RECEIVED] < max(r[RECEIVED] for r in batches[n - 1]) for n in range(1, len(batches))
           if batches[n - 1] for row in batches[n]):
        event("a batch with rows received before the previous batch's latest")
    for kind, pairs in added.items():
        if any(batch_of[row] > batch_of[original] for row, original in pairs):
            event(f"{kind}: loaded in a later batch than the row it plays against")


@st.composite
def splits(
    draw: st.DrawFn, rows: list[tuple], interesting: list[datetime]
) -> tuple[list[datetime], int | None, bool]:
    first, last = rows[0][RECEIVED], rows[-1][RECEIVED]
    span = int((last - first).total_seconds())
    anywhere = st.integers(1, span).map(lambda seconds: first + timedelta(seconds=seconds))
    # At least one cut lands just after a row an added row plays against.
    cuts = {draw(st.sampled_from(interesting))}
    for _ in range(draw(st.integers(0, 2))):
        cuts.add(draw(st.one_of(st.sampled_from(interesting), anywhere)))
    return sorted(cuts), draw(st.none() | st.integers(0, 2**32 - 1)), draw(st.booleans())


@settings(max_examples=6, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_split_into_batches_ends_where_a_full_refresh_ends(stream: dict, data: st.DataObject) -> None:
    cuts, hold_back, retries_late = data.draw(
        splits(stream["rows"], stream["interesting"]), label="cuts, hold-back seed, retries loaded late"
    )
    retries = stream["added"]["retry received earlier"]
    batches = _batches(
        stream["rows"], cuts, hold_back,
        late_retries={retry for retry, _ in retries} if retries_late else set(),
        on_time={original for _, original in retries} if retries_late else set(),
    )  # fmt: skip
    _describe(batches, stream["added"])
    warehouse: ScratchWarehouse = stream["slot"]
    warehouse.path.unlink(missing_ok=True)
    shutil.copy(stream["template"], warehouse.path)
    for number, batch in enumerate(batches, start=1):
        insert_rows(warehouse.path, "events", batch)
        run_incremental(warehouse, everything=number == len(batches))
        assert_reconciles(warehouse)
    differences = table_differences(snapshot(warehouse.path), stream["expected"])
    assert differences == [], f"batch sizes {[len(batch) for batch in batches]}"
