"""Property: no raw event, however hostile its text, breaks the build or gets lost.

Raw events get arbitrary text in every column but received_at (which the raw contract
promises is a valid UTC timestamp; it is made valid, within ten days of RECEIVED_FROM):
any unicode (astral planes, emoji and their joiners, combining marks, right-to-left
overrides, unassigned code points), control characters (NUL included), strings of tens of
kB, text that looks like SQL or Jinja, ids that look like numbers, empty text versus blanks
versus null, occurred_at at and past every edge of the spec's format (years 0000, 0001 and
9999, 23:59:60, 24:00:00, offsets past ±14:00, no offset, seven fraction digits, words),
properties as deeply nested (to 200,000 levels), huge (500 kB), duplicate-keyed or invalid
JSON, event names in odd case and spacing or outside the plan. Mixed in are VALID events,
as odd as the spec allows (ids of hostile text around a visible core, plan names in other
case and spacing, every offset within ±14:00, times on the min_event_date and clock-skew
bounds and in DST gaps, deep and duplicate extra keys beside the required properties),
some delivered twice and some after a garbage delivery of their id.

Each batch is written as JSON-lines, every value a JSON string (the loader stores such a
value's text exactly; a CSV cannot tell an empty string from null), beside the scenario's
raw events and app tables (tests/python/data/scenario), loaded with load_folder and built
with one `dbt build` of every model, seed and data test. For every batch:

  * the loader stored every text exactly as written (a precondition: otherwise the
    properties below would be about other input);
  * `dbt build` exits 0 (warnings allowed; RELAXED_DQ_VARS says which error thresholds
    are opened and why);
  * nothing lost: raw = clean + quarantined + duplicates, and per event_id too, so a
    lost row cannot hide behind a doubled one;
  * every quarantine reason is a code of seeds/quarantine_reasons.csv;
  * no valid event is quarantined; each is clean exactly once with its fields as the spec
    cleans them (UTC time, normalised name, own ids and account, properties text or null
    when it is no JSON object, the plan's flags, connection_id, source_type, error_code),
    its later copies are duplicates and its garbage deliveries quarantined as unparseable;
  * (pinned example) each row that breaks one known rule is quarantined for that rule.

Bounded to three builds of about 20 s each: the pinned example PINNED (every nasty value
of this module where it can reach: 159 hostile rows, 188 valid events, 83 refused rows)
and two generated batches of about 180-220 hostile rows and 40-60 valid events, each
beside the scenario's 100 events. One warehouse file is rebuilt per example, with one
target folder: the file's path is part of dbt's profile hash, so one path lets every
build after the first parse partially. Shrinking is off, since each step would be another
build: a failure names the offending rows instead, and the example's raw files stay in
their own temporary folder (its path is in the failure's notes).

Found and fixed with it: DuckDB's json_valid and Spark's from_json take NaN, Infinity and
(DuckDB) trailing commas, so such properties passed as valid objects (macros/cross_db/json.sql).

Left out, and why:
  * unit tests: they read their own fixture rows, never raw.events, and cost a third of a
    build;
  * lone surrogates: not text (no UTF-8 file can hold one); Hypothesis never draws them.
    NUL and every other code point are carried by DuckDB and the JSON-lines loader;
  * blanks other than spaces in a VALID event's ids and at the ends of its name: the
    project counts empty or space-only text as blank (README, "Blank ids") and trims
    spaces only, so whether a lone tab is a missing id, or `signed_up\t` a plan name, is a
    definition, not a crash; hostile rows carry them, with any fate.
"""

from __future__ import annotations

import csv
import json
import random
import shutil
import tempfile
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, Phase, event, example, given, note, settings
from hypothesis import strategies as st

from activation_warehouse.contract import RAW_TABLES, SEEDS_DIR, tracking_plan
from activation_warehouse.load import load_folder
from activation_warehouse.settings import default

from conftest import FIXTURES_DIR, ScratchWarehouse
from test_incremental import assert_reconciles

pytestmark = pytest.mark.dbt

RAW_EVENT_COLUMNS = tuple(RAW_TABLES["events"].column_names)
SCENARIO = FIXTURES_DIR / "scenario"

#: The hostile batch is received inside the scenario's own span (its raw events are
#: received 2026-04-01 to 04-30), so the freshness and volume checks see a normal stream.
RECEIVED_FROM = datetime(2026, 4, 20, 0, 0)
RECEIVED_SPAN = timedelta(days=10)
#: The settings min_event_date and max_clock_skew_days, at their registry defaults.
MIN_EVENT_TIME = datetime.fromisoformat(default("min_event_date"))
MAX_CLOCK_SKEW = timedelta(days=default("max_clock_skew_days"))

PLAN = tracking_plan()
with open(SEEDS_DIR / "tracking_plan_required_properties.csv", newline="", encoding="utf-8") as _handle:
    REQUIRED_PROPERTIES: dict[str, list[str]] = {name: [] for name in PLAN}
    for _row in csv.DictReader(_handle):
        REQUIRED_PROPERTIES[_row["event_name"]].append(_row["property_name"])
with open(SEEDS_DIR / "quarantine_reasons.csv", newline="", encoding="utf-8") as _handle:
    QUARANTINE_REASONS = frozenset(row["reason"] for row in csv.DictReader(_handle))
with open(SCENARIO / "users.csv", newline="", encoding="utf-8") as _handle:
    SCENARIO_USER_ACCOUNTS = {row["user_id"]: row["account_id"] for row in csv.DictReader(_handle)}
with open(SCENARIO / "accounts.csv", newline="", encoding="utf-8") as _handle:
    SCENARIO_ACCOUNTS = [row["account_id"] for row in csv.DictReader(_handle)]
#: raw.data_source_connections' source types (raw-contract.md).
SOURCE_TYPES = ("crm", "erp", "spreadsheet", "database", "marketing", "support", "other")

#: A hostile batch is mostly rows the cleaning refuses or keeps with faults: the
#: data-quality layer rightly calls that an error and fails the build on purpose, which is
#: the checks doing their job, not a crash. So the four share checks such a batch trips at
#: their defaults (measured on the pinned and generated batches) get an error threshold of
#: 1, their warnings kept: quarantined rows (most hostile rows), duplicates (valid events'
#: retries, hostile ids such as `0012` repeated), planned events missing a required
#: property (hostile rows under a plan name) and late arrivals (valid events occurred any
#: time since 2015). The trailing window is judged like the day (tightening 1), so its
#: error thresholds stay open at 1 too (at the default 0.5 they would be 0.5), and a
#: hostile name repeated on its first day is no new event name (junk names are the batch's
#: point). Every cleaning rule and every other var keeps its default.
RELAXED_DQ_VARS = {
    "dq_quarantine_share_error_above": 1,
    "dq_duplicate_share_error_above": 1,
    "dq_required_property_error_above": 1,
    "dq_late_share_error_above": 1,
    "dq_window_tightening": 1,
    "dq_new_event_name_min_rows": 100000000,
}

# ---------------------------------------------------------------------------------------
# Hostile values
# ---------------------------------------------------------------------------------------

SQL_LOOKING = (
    "'); drop table raw.events; --", "\"; drop schema marts cascade; --", "' or '1'='1",
    '" or 1=1 --', "{{ var('x') }}", "{{ exceptions.raise_compiler_error('boom') }}",
    "{% raw %}", "{# never closed", "$$", "$q$ select 1 $q$", "\\", "\\\\", "\\'", '\\"', "'",
    "''", '"', "%s %d %%", "?", "$1", ":name", "/*", "*/", "--", ";", "\\N", "NULL", "null",
    "None", "undefined", "\\x00", "${HOME}", "`rm -rf /`", "<script>alert(1)</script>",
    "a,b\nc", "\"quoted\",\"csv\"",
)  # fmt: skip
NUMBER_LIKE = (
    "0012", "12", "12.0", "1e3", "1000", "-0", "+0", "0", "0x1F", "NaN", "nan", "Infinity",
    "-inf", "1_000", "１２", "٣", "9223372036854775808", "-9223372036854775809", "1.", ".5",
)  # fmt: skip
#: Empty, blank and invisible text: the spec counts empty strings (and blanks) as null.
BLANKS = (
    "", " ", "   ", "\t", "\n", "\r\n", " \t ", "\u00a0", "\u2003", "\u3000", "\u200b",
    "\ufeff", "\x00", "\u2028",
)  # fmt: skip
UNICODE = (
    "😀", "👩\u200d👩\u200d👧\u200d👦", "🇩🇪", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "\U0010ffff", "\U000e0041\U000e007f",
    "é", "e\u0301", "ß", "İ", "Ω", "abc\u202edef", "\ufffd", "\uffff", "z̸̢͚a̶l̷g̵o̴", "中文",
    "עברית", "ǅ", "ﬁ",
)  # fmt: skip
CONTROL = (
    "\x00", "a\x00b", "\x01\x02\x1b[31m", "\x7f", "\x85", "\u2029", "line1\nline2", "\r",
    "\x08\x0c\x0b",
)  # fmt: skip
LONG = ("x" * 50_000, "😀" * 20_000, "'" * 30_000, "\x00" * 10_000, "é\u0301" * 15_000)
NASTY_TEXT: tuple[str, ...] = SQL_LOOKING + NUMBER_LIKE + BLANKS + UNICODE + CONTROL + LONG

#: Every pinned row is received at this moment, so its occurred_at edges are exact.
PINNED_RECEIVED = datetime(2026, 4, 25, 12, 0)
UNPARSEABLE = "unparseable_occurred_at"
BEFORE_MIN = "occurred_before_min_date"
AFTER_RECEIVED = "occurred_after_received"
#: occurred_at at and past every edge, each with the reason the spec refuses it for when
#: received at PINNED_RECEIVED (and everything else about the row is valid).
REFUSED_OCCURRED_AT: dict[str, str] = {
    "9999-12-31T23:59:59Z": AFTER_RECEIVED, "9999-12-31T23:59:59.999999-14:00": AFTER_RECEIVED,
    "0001-01-01T00:00:00+14:00": BEFORE_MIN, "0001-01-01T00:00:00-14:00": BEFORE_MIN,
    "0000-01-01T00:00:00Z": UNPARSEABLE, "-0001-01-01T00:00:00Z": UNPARSEABLE,
    "10000-01-01T00:00:00Z": UNPARSEABLE, "2026-04-25T23:59:60Z": UNPARSEABLE,
    "2016-12-31T23:59:60Z": UNPARSEABLE, "2026-04-25T24:00:00Z": UNPARSEABLE,
    "2026-04-25T10:00:00+25:00": UNPARSEABLE, "2026-04-25T10:00:00+14:01": UNPARSEABLE,
    "2026-04-25T10:00:00-14:30": UNPARSEABLE, "2026-04-25T10:00:00+14": UNPARSEABLE,
    "2026-04-25T10:00:00+1400": UNPARSEABLE, "2026-04-25T10:00:00+05:60": UNPARSEABLE,
    "2026-04-25T10:00:00\u221205:00": UNPARSEABLE, "2026-04-25T10:00:00": UNPARSEABLE,
    "2026-03-29T02:30:00": UNPARSEABLE, "2026-04-25 10:00:00Z": UNPARSEABLE,
    "2026-04-25t10:00:00Z": UNPARSEABLE, "2026-04-25T10:00:00z": UNPARSEABLE,
    "2026-04-25T10:00Z": UNPARSEABLE, "2026-04-25T10:00:00.1234567Z": UNPARSEABLE,
    "2026-04-25T10:00:00.123456789012Z": UNPARSEABLE, "2026-04-25T10:00:00.Z": UNPARSEABLE,
    "2026-04-25T10:00:00,5Z": UNPARSEABLE, "2026-04-25T10:00:00Z ": UNPARSEABLE,
    " 2026-04-25T10:00:00Z": UNPARSEABLE, "2026-04-25T10:00:00Z\n": UNPARSEABLE,
    "2026-04-25T10:00:00Z\x00": UNPARSEABLE, "2026-04-25T10:00:00 UTC": UNPARSEABLE,
    "2026-04-25T10:00:00 Europe/Paris": UNPARSEABLE, "2026-04-25T10:00:00+01:00[Europe/Paris]": UNPARSEABLE,
    "2026-02-29T10:00:00Z": UNPARSEABLE, "2100-02-29T10:00:00Z": UNPARSEABLE,
    "1900-02-29T10:00:00Z": UNPARSEABLE, "2026-04-31T10:00:00Z": UNPARSEABLE,
    "2026-13-01T10:00:00Z": UNPARSEABLE, "2026-00-10T10:00:00Z": UNPARSEABLE,
    "2026-04-00T10:00:00Z": UNPARSEABLE, "\uff12\uff10\uff12\uff16-04-25T10:00:00Z": UNPARSEABLE,
    "\u0662\u0660\u0662\u0666-04-25T10:00:00Z": UNPARSEABLE, "2026-04-25T10:00:00\uff3a": UNPARSEABLE,
    "2026-W17-6T10:00:00Z": UNPARSEABLE, "2026-115T10:00:00Z": UNPARSEABLE, "20260425T100000Z": UNPARSEABLE,
    "1745575200": UNPARSEABLE, "1745575200000": UNPARSEABLE, "epoch": UNPARSEABLE,
    "infinity": UNPARSEABLE, "-infinity": UNPARSEABLE, "now": UNPARSEABLE, "today": UNPARSEABLE,
    "yesterday": UNPARSEABLE, "tomorrow": UNPARSEABLE, "allballs": UNPARSEABLE, "": UNPARSEABLE,
    " ": UNPARSEABLE, "Sat, 25 Apr 2026 10:00:00 GMT": UNPARSEABLE,
    "2014-12-31T23:59:59.999999Z": BEFORE_MIN, "2015-01-01T00:00:00+00:01": BEFORE_MIN,
    "2015-01-01T13:59:59.999999+14:00": BEFORE_MIN, "1970-01-01T00:00:00Z": BEFORE_MIN,
    "2000-02-29T00:00:00Z": BEFORE_MIN, "2030-01-01T00:00:00Z": AFTER_RECEIVED,
    "2026-04-26T12:00:00.000001Z": AFTER_RECEIVED, "2026-04-27T02:00:00.000001+14:00": AFTER_RECEIVED,
    "2026-04-26T00:00:00.000001-12:00": AFTER_RECEIVED,
}  # fmt: skip
#: occurred_at the spec accepts when received at PINNED_RECEIVED: the min_event_date and
#: clock-skew bounds themselves, local times that DST skips or repeats (the offset says
#: which instant), leap days, every offset edge, fractions of 1 to 6 digits.
ACCEPTED_OCCURRED_AT = (
    "2026-04-26T12:00:00Z", "2026-04-26T12:00:00.000000Z", "2026-04-27T02:00:00+14:00",
    "2026-04-25T22:00:00-14:00", "2026-04-26T00:00:00-12:00", "2015-01-01T00:00:00Z",
    "2015-01-01T00:00:00.000000+00:00", "2015-01-01T14:00:00+14:00", "2014-12-31T23:59:59-14:00",
    "2014-12-31T10:00:00-14:00", "2015-01-01T00:00:00-00:01", "2026-03-29T02:30:00+01:00",
    "2026-03-29T02:30:00+02:00", "2025-10-26T02:30:00+02:00", "2025-10-26T02:30:00+01:00",
    "2026-03-08T02:30:00-05:00", "2025-11-02T01:30:00-04:00", "2025-11-02T01:30:00-05:00",
    "2016-02-29T23:59:59.999999-00:00", "2024-02-29T00:00:00+05:45", "2020-02-29T12:00:00-09:30",
    "2026-04-25T12:00:00.1Z", "2026-04-25T12:00:00.12+13:45", "2026-04-25T12:00:00.123456-13:59",
    "2026-04-25T11:59:59.999999+00:00", "2026-04-25T00:00:00-00:00", "2025-12-31T23:59:59+14:00",
    "2026-01-01T00:00:00-14:00",
)  # fmt: skip

#: properties that are JSON objects, however odd: the event keeps them as sent.
DEEP = 10_000
JSON_OBJECTS = (
    "{}", " {} ", '{"a":1}\n', "\t{\r\n}\r\n", '{"a": 1, "a": 2}', '{"path": "/a", "path": "/b"}',
    '{"path": null}', '{"path": ""}', '{"\\u0000": "\\u0000"}', '{"": ""}', '{"😀": "😀"}',
    '{"\\ud83d\\ude00": "\\ud83d\\ude00"}', '{"a": -0}', '{"a": 123456789012345678901234567890}',
    '{"a": 1.5e300}', '{"a": "\')); drop table raw.events; --"}', '{"a": "{{ var(\'x\') }}"}',
    '{"a":' * DEEP + "1" + "}" * DEEP, '{"a": ' + "[" * DEEP + "]" * DEEP + "}",
    '{"a":' * 200_000 + "1" + "}" * 200_000,
    "{" + ", ".join(f'"k{i}": "{"v" * 20}"' for i in range(5_000)) + "}",
    '{"huge": "' + "x" * 500_000 + '"}',
)  # fmt: skip
#: properties that are no JSON object: the spec makes them null and flags the event.
NOT_OBJECTS = (
    "", " ", "[]", "null", "true", "1", '"a string"', "{", "}", '{"a":}', "{'a': 1}",
    '{"a": 1} trailing', '{"a": 1}{"b": 2}', '{"a": NaN}', '{"a": Infinity}', '{"a": 1,}',
    "{/* c */}", "\x00{}", '{"a": "\x00"}', '{"a": "\x01"}', '{"a": "\n"}', "'); drop table raw.events; --",
    '{"a' * DEEP + '": 1', "[" * DEEP + "]" * DEEP, "[" * DEEP, '{"a":' * DEEP + "1",
    '{"a": 1}' + "}" * DEEP, "{{ var('x') }}",
)  # fmt: skip
#: properties whose verdict JSON itself leaves open (a lone surrogate escape, a number no
#: double holds, a byte-order mark): either verdict is fine, the build must just hold.
UNCLEAR_PROPERTIES = ('{"a": "\\ud800"}', '{"a": 1e999}', "\ufeff{}")
NASTY_PROPERTIES = JSON_OBJECTS + NOT_OBJECTS + UNCLEAR_PROPERTIES


def _spellings(name: str) -> list[str]:
    """Ways a tracker misspells a plan name that the spec's normalisation undoes."""
    words = name.split("_")
    return [
        " ".join(word.capitalize() for word in words),
        "-".join(words).upper(),
        f"  {name}  ",
        "__".join(words),
        " _-".join(words),
        name.swapcase() + " ",
    ]


def _blank(value: str | None) -> bool:
    """Missing by the spec: null, empty or blank (valid events only use spaces as blanks)."""
    return value is None or value.strip() == ""


def _json_text(value: object, ensure_ascii: bool) -> str:
    return json.dumps(value, ensure_ascii=ensure_ascii)


# ---------------------------------------------------------------------------------------
# A batch: hostile rows plus valid events whose fate is known
# ---------------------------------------------------------------------------------------


@dataclass
class ValidEvent:
    """A raw event the spec keeps: its first delivery, and the other rows of its id."""

    row: dict[str, object]
    later_copies: list[dict[str, object]] = field(default_factory=list)
    garbage_copies: list[dict[str, object]] = field(default_factory=list)

    @property
    def event_id(self) -> str:
        return str(self.row["event_id"])

    def expected_clean(self) -> dict[str, object]:
        """The cleaned fields the spec gives this event (identity resolution left out
        where another row decides it: an anonymous event's user, hence its account)."""
        row = self.row
        plan_name = str(row["_plan_name"])
        occurred = datetime.fromisoformat(str(row["occurred_at"]).replace("Z", "+00:00"))
        user_id = None if _blank(row["user_id"]) else row["user_id"]
        own_account = None if _blank(row["account_id"]) else row["account_id"]
        # The values drawn, not json.loads: Python's parser stops at a thousand levels.
        properties: dict[str, object] = row["_properties"]  # type: ignore[assignment]
        expected: dict[str, object] = {
            "event_name": plan_name,
            "occurred_at": occurred.astimezone(timezone.utc).replace(tzinfo=None),
            "received_at": row["received_at"],
            "anonymous_id": None if _blank(row["anonymous_id"]) else row["anonymous_id"],
            "is_in_tracking_plan": True,
            "is_user_action": PLAN[plan_name],
            # Properties that are no JSON object are nulled and flagged, never a reason.
            "has_valid_properties": row["properties"] is None or bool(row.get("_object", True)),
            "properties": row["properties"] if row.get("_object", True) else None,
            "connection_id": _property_text(properties.get("connection_id")),
            "source_type": (
                str(properties["source_type"]).strip(" ").lower() if "source_type" in properties else None
            ),
            "error_code": _property_text(properties.get("error_code")),
        }
        if user_id is not None:
            expected["user_id"] = user_id
            expected["account_id"] = own_account or SCENARIO_USER_ACCOUNTS.get(str(user_id))
        elif own_account is not None:
            expected["account_id"] = own_account
        return expected


def _property_text(value: object) -> str | None:
    """A top-level JSON property as the warehouse reads it: strings unquoted, numbers as text."""
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value)


@dataclass
class Batch:
    """Raw event rows to load: hostile ones (any fate) and valid events (a known fate)."""

    hostile: list[dict[str, object]]
    valid: list[ValidEvent]
    #: Rows breaking one known rule, each with the reason the spec gives it.
    refused: list[tuple[dict[str, object], str]] = field(default_factory=list)
    #: Where the batch came from: the pinned example, or the dealer's seed.
    origin: str = "pinned"

    def rows(self) -> list[dict[str, object]]:
        """Every row to load, hostile ids that hit a valid one moved aside (a hostile row
        sharing a valid event's id may legitimately be kept in its place)."""
        valid_ids = {event.event_id for event in self.valid}
        rows = [
            dict(row, event_id=f"hostile {row['event_id']}") if row["event_id"] in valid_ids else row
            for row in self.hostile
        ]
        for event_ in self.valid:
            rows += [event_.row, *event_.later_copies, *event_.garbage_copies]
        rows += [row for row, _ in self.refused]
        return [raw_row(row) for row in rows]

    def __repr__(self) -> str:
        return (
            f"Batch({self.origin}: {len(self.hostile)} hostile rows, {len(self.valid)} valid events,"
            f" {len(self.refused)} refused)"
        )

    def _repr_pretty_(self, printer: object, cycle: bool) -> None:
        # Hypothesis prints a failing example field by field, megabytes of text here: the
        # counts instead (the example's raw files are kept, their folder in the notes).
        printer.text(repr(self))  # type: ignore[attr-defined]


def raw_row(row: dict[str, object]) -> dict[str, object]:
    """The raw columns of a row (the test's own bookkeeping keys start with '_')."""
    return {column: row[column] for column in RAW_EVENT_COLUMNS}


def raw_tuple(row: dict[str, object]) -> tuple[object, ...]:
    return tuple(row[column] for column in RAW_EVENT_COLUMNS)


# ---------------------------------------------------------------------------------------
# Strategies: Hypothesis draws the hostile values, a seeded shuffle makes them rows
# ---------------------------------------------------------------------------------------
#
# Hypothesis bounds one example to 8 kB of choices: a few hundred rows of eight drawn
# columns each do not fit. So it draws pools of values (text, times, properties: the
# part worth its generators) and a seed, and the seed deals pool values and the module's
# constants into rows and valid events. A failure prints the seed; the rows dealt are in
# the example's raw files.

#: Any code point but surrogates (Hypothesis's default), so astral planes, controls,
#: format characters and unassigned ones too.
any_text = st.text(max_size=30)
odd_characters = st.text(
    st.characters(categories=["Cc", "Cf", "Co", "Mn", "Me", "So", "Zs", "Zl", "Zp"]), max_size=12
)
#: Tens of kB, built from a short unit: a drawn string of that size would not fit.
long_text = st.builds(
    lambda unit, times: unit * times,
    st.sampled_from(["x", "😀", "'", "\\", "\x00", "e\u0301", "{", " "]) | st.text(min_size=1, max_size=3),
    st.integers(2_000, 25_000),
)
nasty_text = st.sampled_from(NASTY_TEXT[: -len(LONG)])
hostile_text: st.SearchStrategy[str | None] = st.one_of(
    nasty_text,
    st.none(),
    any_text,
    odd_characters,
    st.builds(lambda a, b, c: a + b + c, nasty_text, any_text, nasty_text),
    long_text,
)
#: Text with a visible core, so the spec can never count it as blank, wrapped in
#: anything: what a valid event's ids and property values are made of.
visible_core = st.text(st.characters(categories=["L", "N", "P", "S"]), min_size=1, max_size=8)
affix = st.one_of(st.just(""), nasty_text, odd_characters, any_text)
visible_text = st.one_of(
    st.builds(lambda a, core, b: a + core + b, affix, visible_core | st.sampled_from(NUMBER_LIKE[:5]), affix),
    st.builds(lambda core, long: core + long, visible_core, long_text),
)


@st.composite
def timestamp_from_parts(draw: st.DrawFn) -> str:
    """An ISO-8601-shaped text from parts drawn past their ranges: what a broken client
    clock or formatter sends. Mostly invalid, sometimes valid (either is fine here)."""
    year = draw(st.sampled_from([0, 1, 1970, 2014, 2015, 2026, 2100, 9999, 10000]) | st.integers(0, 9999))
    month, day = draw(st.integers(0, 13)), draw(st.integers(0, 32))
    hour, minute, second = draw(st.integers(0, 25)), draw(st.integers(0, 61)), draw(st.integers(0, 61))
    fraction = draw(st.sampled_from(["", ".", ".0", ".123456", ".1234567", ".000000000001"]))
    separator = draw(st.sampled_from(["T", "T", "t", " ", ""]))
    offset_hours, offset_minutes = draw(st.integers(0, 26)), draw(st.sampled_from([0, 0, 30, 45, 60, 99]))
    sign = draw(st.sampled_from(["+", "-", "\u2212"]))
    offset = draw(st.sampled_from([
        "Z", "z", "", f"{sign}{offset_hours:02d}:{offset_minutes:02d}", f"{sign}{offset_hours:02d}{offset_minutes:02d}",
        f"{sign}{offset_hours:02d}", "+00:00", "-00:00",
    ]))  # fmt: skip
    return f"{year:04d}-{month:02d}-{day:02d}{separator}{hour:02d}:{minute:02d}:{second:02d}{fraction}{offset}"


def nested_json(depth: int, arrays: bool) -> str:
    """A JSON value nested `depth` levels deep, of objects or of arrays."""
    return "[" * depth + "1" + "]" * depth if arrays else '{"n":' * depth + "1" + "}" * depth


deep_json = st.builds(nested_json, st.integers(100, 20_000), st.booleans())
huge_json = st.builds(
    lambda keys, width: "{" + ", ".join(f'"k{i}": "{"v" * width}"' for i in range(keys)) + "}",
    st.integers(100, 3_000), st.integers(1, 40),
)
hostile_properties: st.SearchStrategy[str | None] = st.one_of(
    deep_json,
    huge_json,
    hostile_text,
    st.builds(lambda text: json.dumps({"path": text}), hostile_text),
    st.builds(lambda depth: deep_json_unbalanced(depth), st.integers(1, 5_000)),
)


def deep_json_unbalanced(depth: int) -> str:
    """Nested objects one brace short: invalid JSON that a parser reads to the end first."""
    return '{"n":' * depth + "1" + "}" * (depth - 1)


@dataclass(frozen=True)
class Pools:
    """What Hypothesis draws: hostile values to deal into rows, and the dealer's seed."""

    texts: list[str | None]
    visible: list[str]
    times: list[str | None]
    properties: list[str | None]
    seed: int


pools = st.builds(
    Pools,
    texts=st.lists(hostile_text, min_size=5, max_size=40),
    visible=st.lists(visible_text, min_size=3, max_size=25),
    times=st.lists(timestamp_from_parts() | hostile_text, min_size=3, max_size=25),
    properties=st.lists(hostile_properties, min_size=3, max_size=15),
    seed=st.integers(0, 2**32 - 1),
)

#: Blank ids a valid event may carry in place of a missing one (spaces only).
SPEC_BLANKS = (None, "", " ", "   ")
#: Offsets (minutes east of UTC) a valid time may carry, every edge of ±14:00 included.
VALID_OFFSETS = (0, 60, -60, 120, 330, 345, 525, 765, 780, 840, -840, -720, -570, -210, -1, 1, 839, -839)


def iso8601(instant: datetime, offset_minutes: int | None, fraction_digits: int, minus_zero: bool = False) -> str:
    """`instant` (naive UTC) as the spec's text: the local time at the offset (None: 'Z')
    with `fraction_digits` digits of its microseconds, which must fit them."""
    local = instant + timedelta(minutes=offset_minutes or 0)
    fraction = f"{local.microsecond:06d}"
    assert fraction[fraction_digits:].strip("0") == "", "the microseconds need more digits"
    text = local.strftime("%Y-%m-%dT%H:%M:%S") + (f".{fraction[:fraction_digits]}" if fraction_digits else "")
    if offset_minutes is None:
        return text + "Z"
    sign = "-" if offset_minutes < 0 or minus_zero else "+"
    return text + f"{sign}{abs(offset_minutes) // 60:02d}:{abs(offset_minutes) % 60:02d}"


class Dealer:
    """Deals pool values and the module's constants into raw rows, from the pools' seed."""

    def __init__(self, pools: Pools) -> None:
        self.pools = pools
        self.random = random.Random(pools.seed)

    def pick(self, pool: Sequence[object], *constants: Sequence[object]) -> object:
        """A value of one of the sequences (the pool or a constant one, alike), at random."""
        choices = [values for values in (pool, *constants) if values]
        return self.random.choice(self.random.choice(choices))

    def received_at(self) -> datetime:
        seconds = self.random.randint(0, int(RECEIVED_SPAN.total_seconds()))
        return RECEIVED_FROM + timedelta(seconds=seconds, microseconds=self.random.choice([0, 0, 1, 500_000, 999_999]))

    def valid_occurred_at(self, received: datetime) -> str:
        """A time the spec accepts for an event received at `received`: within
        [min_event_date, received + max_clock_skew_days], the bounds included, at any offset."""
        low, high = MIN_EVENT_TIME, received + MAX_CLOCK_SKEW
        span = (high - low) // timedelta(microseconds=1)
        roll = self.random.random()
        if roll < 0.2:
            micros = self.random.choice([0, span, span - 1, (received - low) // timedelta(microseconds=1)])
        elif roll < 0.7:
            micros = self.random.randint(span - 30 * 86_400_000_000, span)  # the last month: most real events
        else:
            micros = self.random.randint(0, span)
        instant = low + timedelta(microseconds=micros)
        digits = self.random.randint(0, 6)
        # Cutting the fraction to the digits drawn only moves the time earlier, and never
        # below min_event_date, a whole second.
        instant -= timedelta(microseconds=instant.microsecond % 10 ** (6 - digits))
        offset = self.random.choice([None, *VALID_OFFSETS])
        return iso8601(instant, offset, digits, minus_zero=offset == 0 and self.random.random() < 0.5)

    def visible(self) -> str:
        return str(self.pick(self.pools.visible, [text for text in NASTY_TEXT if _visible(text)]))

    def property_value(self, name: str) -> object:
        """A value of a required property that the checks read as present."""
        if name == "source_type":
            kind = self.random.choice(SOURCE_TYPES)
            return self.random.choice([kind, kind.upper(), f" {kind} "])
        if name == "rows_synced":
            return self.random.choice([0, 12, 10**12, "0012", "1e3"])
        return self.visible()

    def valid_properties(self, plan_name: str) -> tuple[str | None, dict[str, object]]:
        """A JSON object with the event's required properties, as odd as valid JSON gets:
        unicode raw or escaped, odd spacing, deep or huge extra keys, duplicate extra keys.
        Returned with the required values."""
        required = REQUIRED_PROPERTIES[plan_name]
        if not required and self.random.random() < 0.25:
            return self.random.choice([None, "{}"]), {}
        ensure_ascii = self.random.random() < 0.5
        values = {name: self.property_value(name) for name in required}
        pairs = [(name, _json_text(value, ensure_ascii)) for name, value in values.items()]
        for _ in range(self.random.randint(0, 3)):
            keys = [text for text in self.pools.texts if text is not None]
            key = str(self.pick(keys, ["", "😀", "a\x00b", "deep"]))
            if key in required:
                continue
            value = self.random.choice([
                _json_text(self.pick(self.pools.texts, NASTY_TEXT), ensure_ascii),
                nested_json(self.random.randint(100, 20_000), self.random.random() < 0.5),
                json.dumps({name: "not the top-level one" for name in required}),
                self.random.choice(["null", "[]", "{}", "true", "-0", "1e308"]),
            ])  # fmt: skip
            pairs.insert(self.random.randint(0, len(pairs)), (key, value))
            if self.random.random() < 0.2:
                pairs.append((key, value))  # the same key twice: valid JSON text all the same
        space = self.random.choice(["", " ", "\n", "\t", "\r\n  "])
        members = f",{space}".join(f"{_json_text(key, ensure_ascii)}:{space}{value}" for key, value in pairs)
        return "{" + space + members + space + "}", values

    def valid_event(self, number: int) -> ValidEvent:
        """A valid event (unique by `number`), sometimes with a later copy or a garbage
        delivery of its id received before it."""
        plan_name = self.random.choice(sorted(PLAN))
        received = self.received_at()
        identity = self.random.choice(["user", "anonymous", "both"])
        affixes = (["", "", " "], self.pools.texts, NASTY_TEXT[: -len(LONG)])
        row: dict[str, object] = {
            "_plan_name": plan_name,
            "event_id": f"{self.pick(*affixes) or ''}<valid {number}>{self.pick(*affixes) or ''}",
            "event_name": self.random.choice([plan_name, *_spellings(plan_name)]),
            "user_id": (
                self.pick(self.pools.visible, sorted(SCENARIO_USER_ACCOUNTS), [self.visible()])
                if identity != "anonymous" else self.random.choice(SPEC_BLANKS)
            ),
            "anonymous_id": self.visible() if identity != "user" else self.random.choice(SPEC_BLANKS),
            "account_id": self.pick(self.pools.visible, SPEC_BLANKS, SCENARIO_ACCOUNTS),
            "occurred_at": self.valid_occurred_at(received),
            "received_at": received,
        }  # fmt: skip
        row["properties"], row["_properties"] = self.valid_properties(plan_name)
        event_ = ValidEvent(row)
        copies = self.random.choice(["none", "none", "none", "same", "later", "garbage first"])
        if copies == "same":
            event_.later_copies.append(dict(row))
        elif copies == "later":
            later = received + timedelta(seconds=self.random.randint(1, 7_200))
            event_.later_copies.append(dict(row, received_at=later, properties=self.valid_properties(plan_name)[0]))
        elif copies == "garbage first":
            earlier = received - timedelta(seconds=self.random.randint(0, 7_200))
            garbage = f"not a time {self.pick(self.pools.texts, NASTY_TEXT)}"
            event_.garbage_copies.append(dict(row, received_at=earlier, occurred_at=garbage))
        return event_

    def hostile_row(self) -> dict[str, object]:
        """A raw row with hostile text in every column but received_at: any fate is fine."""
        texts, plan_name = self.pools.texts, self.random.choice(sorted(PLAN))
        ids = (texts, NUMBER_LIKE + BLANKS, NASTY_TEXT)
        received = self.received_at()
        return {
            "event_id": self.pick(*ids),
            "event_name": self.pick(
                texts, [plan_name, *_spellings(plan_name)], NASTY_TEXT,
                ["button_clicked", "Signed Up!", "signed_up_", "sign ed_up", "S\u0130GNED_UP"],
            ),
            "user_id": self.pick(*ids, sorted(SCENARIO_USER_ACCOUNTS)),
            "anonymous_id": self.pick(*ids),
            "account_id": self.pick(*ids, SCENARIO_ACCOUNTS),
            "occurred_at": self.pick(
                self.pools.times, sorted(REFUSED_OCCURRED_AT), ACCEPTED_OCCURRED_AT, [self.valid_occurred_at(received)],
            ),
            "received_at": received,
            "properties": self.pick(self.pools.properties, NASTY_PROPERTIES, [None]),
        }  # fmt: skip


@st.composite
def batches(draw: st.DrawFn) -> Batch:
    """About 200 hostile rows and 50 valid events (some delivered more than once)."""
    dealer = Dealer(draw(pools))
    hostile = [dealer.hostile_row() for _ in range(dealer.random.randint(180, 220))]
    valid = [dealer.valid_event(number) for number in range(dealer.random.randint(40, 60))]
    return Batch(hostile, valid, origin=f"seed {dealer.pools.seed}")


# ---------------------------------------------------------------------------------------
# The pinned example: every nasty value, always tried
# ---------------------------------------------------------------------------------------


def _visible(text: str) -> bool:
    """Whether `text` has a letter, digit, punctuation or symbol: never blank to anyone."""
    return any(unicodedata.category(character)[0] in "LNPS" for character in text)


def _pinned_valid(
    number: int, plan_name: str = "page_viewed", value: str | None = None, **changes: object
) -> ValidEvent:
    """A valid pinned event received at PINNED_RECEIVED; `value` fills its required
    properties (a source type and a row count stay what their checks read)."""
    values: dict[str, object] = {
        name: {"source_type": "crm", "rows_synced": 12}.get(name, value if value is not None else f"pinned {name}")
        for name in REQUIRED_PROPERTIES[plan_name]
    }
    row: dict[str, object] = {
        "_plan_name": plan_name, "_properties": values, "event_id": f"<pinned {number}>",
        "event_name": plan_name, "user_id": "u01", "anonymous_id": f"pinned anonymous {number}",
        "account_id": None, "occurred_at": "2026-04-25T11:00:00Z", "received_at": PINNED_RECEIVED,
        "properties": json.dumps(values, ensure_ascii=number % 2 == 0),
    }  # fmt: skip
    row.update(changes)
    return ValidEvent(row)


def pinned_batch() -> Batch:
    """Every nasty value of this module where it can reach: in every column of a hostile
    row; as the ids, account and property values of valid events (one per plan name
    spelling); every accepted and refused occurred_at edge, every odd properties text,
    each blank rule, and the three kinds of repeated delivery."""
    numbers = iter(range(1_000_000))
    hostile = [
        {**{column: text for column in RAW_EVENT_COLUMNS}, "received_at": PINNED_RECEIVED}
        for text in NASTY_TEXT + NASTY_PROPERTIES
    ]
    hostile += [dict(_pinned_valid(next(numbers)).row, properties=text) for text in UNCLEAR_PROPERTIES]
    # Nasty text as a valid event's id, user, anonymous id, account and property value
    # (one event each, so every value is also an exact event_id: `0012`, `12` and `1e3`
    # are three events), under every spelling of every plan name.
    visible = list(dict.fromkeys(text for text in NASTY_TEXT if _visible(text)))
    names = [(name, spelling) for name in sorted(PLAN) for spelling in [name, *_spellings(name)]]
    valid = []
    for index in range(max(len(visible), len(names))):
        text, (plan_name, spelling), number = visible[index % len(visible)], names[index % len(names)], next(numbers)
        valid.append(_pinned_valid(
            number, plan_name, value=text, event_id=text if index < len(visible) else f"<pinned {number}>{text}",
            event_name=spelling, user_id=text, anonymous_id=text, account_id=text,
        ))  # fmt: skip
    valid += [_pinned_valid(next(numbers), occurred_at=text) for text in ACCEPTED_OCCURRED_AT]
    valid += [_pinned_valid(next(numbers), properties=text) for text in JSON_OBJECTS]
    valid += [_pinned_valid(next(numbers), properties=text, _object=False) for text in NOT_OBJECTS]
    valid += [
        _pinned_valid(next(numbers), user_id=blank, anonymous_id="pinned anonymous only", account_id=account)
        for blank in ("", " ", "   ", None)
        for account in ("", "   ", None, "acc_ops")
    ]
    # Repeated deliveries: an identical copy, a later copy with other properties, and a
    # garbage delivery received first that must not take the valid one's place.
    same, later, garbage_first = (_pinned_valid(next(numbers)) for _ in range(3))
    same.later_copies.append(dict(same.row))
    later.later_copies.append(dict(later.row, received_at=PINNED_RECEIVED + timedelta(seconds=1), properties="{}"))
    garbage_first.garbage_copies.append(dict(
        garbage_first.row, received_at=PINNED_RECEIVED - timedelta(hours=1), occurred_at="'); drop table raw.events; --"
    ))  # fmt: skip
    valid += [same, later, garbage_first]
    # One broken rule each (and, for the first rules, later ones broken too: the first wins).
    refused = [
        (_pinned_valid(next(numbers), occurred_at=text).row, reason) for text, reason in REFUSED_OCCURRED_AT.items()
    ]
    refused.append((_pinned_valid(next(numbers), occurred_at=None).row, UNPARSEABLE))
    for blank in ("", " ", "   ", None):
        refused += [
            (_pinned_valid(next(numbers), event_id=blank, occurred_at="garbage", user_id=None).row, "missing_event_id"),
            (_pinned_valid(next(numbers), user_id=blank, anonymous_id=blank).row, "missing_identity"),
            (_pinned_valid(next(numbers), event_name=blank).row, "missing_event_name"),
        ]
    far_ahead_and_nobody = _pinned_valid(
        next(numbers), occurred_at="9999-12-31T23:59:59Z", user_id=None, anonymous_id=None
    )
    refused.append((far_ahead_and_nobody.row, AFTER_RECEIVED))
    return Batch(hostile, valid, refused)


PINNED = pinned_batch()


# ---------------------------------------------------------------------------------------
# The test
# ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hostile_slot(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """The scenario's raw events as the loader stores them, and the one warehouse slot."""
    root = tmp_path_factory.mktemp("hostile_input")
    scenario = root / "scenario.duckdb"
    load_folder(SCENARIO, scenario, progress=False)
    with duckdb.connect(str(scenario), read_only=True) as connection:
        scenario_rows = [
            dict(zip(RAW_EVENT_COLUMNS, values))
            for values in connection.execute(f"select {', '.join(RAW_EVENT_COLUMNS)} from raw.events").fetchall()
        ]
    # Every example rebuilds this one file with this one target folder: the file's path is
    # part of dbt's profile hash, so keeping it lets every build after the first parse partially.
    warehouse = ScratchWarehouse(path=root / "warehouse.duckdb", target_dir=root / "target")
    return {"root": root, "scenario_rows": scenario_rows, "warehouse": warehouse}


def write_raw_folder(folder: Path, events: list[dict[str, object]]) -> None:
    """The scenario's app tables and `events` as JSON-lines: every value a JSON string (or
    null), which the loader stores as its exact text."""
    folder.mkdir(parents=True)
    for table in RAW_TABLES:
        if table != "events":
            shutil.copy(SCENARIO / f"{table}.csv", folder / f"{table}.csv")
    with open(folder / "events.jsonl", "w", encoding="utf-8") as handle:
        for row in events:
            received = row["received_at"]
            assert isinstance(received, datetime)
            handle.write(json.dumps(dict(row, received_at=received.isoformat(sep=" ")), ensure_ascii=False) + "\n")


@settings(
    max_examples=2,
    deadline=None,
    database=None,
    # Every example is a whole dbt build: shrinking would run one per step, for hours. A
    # failure names the rows at fault instead, and the example's files stay on disk.
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)
@example(batch=PINNED)
@given(batch=batches())
def test_hostile_raw_events_never_break_the_build_nor_get_lost(hostile_slot: dict, batch: Batch) -> None:
    root: Path = hostile_slot["root"]
    warehouse: ScratchWarehouse = hostile_slot["warehouse"]
    events = hostile_slot["scenario_rows"] + batch.rows()
    folder = Path(tempfile.mkdtemp(prefix="example_", dir=root)) / "raw"
    write_raw_folder(folder, events)
    note(f"raw files: {folder}")
    event(f"{len(events)} raw event rows")
    for stale in (warehouse.path, warehouse.path.with_name(warehouse.path.name + ".wal")):
        stale.unlink(missing_ok=True)
    load_folder(folder, warehouse.path, progress=False)
    assert_loaded_exactly(warehouse, events)

    # Every model, seed and data test over the hostile raw data. Unit tests are left out:
    # they read only their own fixture rows, never raw.events, and take a third of a build.
    warehouse.dbt("build", "--exclude-resource-type", "unit_test", "--vars", json.dumps(RELAXED_DQ_VARS))

    assert_reconciles(warehouse)
    assert_every_event_id_accounted_for(warehouse)
    assert_quarantine_reasons_documented(warehouse)
    assert_valid_events_clean(warehouse, batch)
    assert_refused_rows_quarantined(warehouse, batch)


def _shown(values: object, limit: int = 10) -> str:
    """Offending values for a failure message, each cut short: some are 500 kB long."""
    items = list(values)  # type: ignore[call-overload]
    cut = [repr(item)[:200] for item in items[:limit]]
    return f"{len(items)}: {', '.join(cut)}" + (" ..." if len(items) > limit else "")


def assert_loaded_exactly(warehouse: ScratchWarehouse, events: list[dict[str, object]]) -> None:
    """The loader stored every row's text as written: otherwise the build judged other input."""
    loaded = Counter(warehouse.query(f"select {', '.join(RAW_EVENT_COLUMNS)} from raw.events"))
    written = Counter(raw_tuple(row) for row in events)
    assert loaded == written, f"rows changed by the load {_shown((written - loaded).keys())}"


def assert_every_event_id_accounted_for(warehouse: ScratchWarehouse) -> None:
    """Nothing lost, row for row: per raw event_id (null and blank ids included), as many
    rows in the clean events, the quarantine and the duplicates together as in raw.events,
    so no lost row can hide behind a doubled one."""
    differences = warehouse.query(
        """
        with
        raw_ids as (select event_id, count(*) as raw_rows from raw.events group by event_id),
        placed as (
            select event_id from marts.fct_events
            union all select event_id from marts.event_quarantine
            union all select event_id from marts.event_duplicates
        ),
        placed_ids as (select event_id, count(*) as placed_rows from placed group by event_id)
        select coalesce(raw_ids.event_id, placed_ids.event_id), raw_rows, placed_rows
        from raw_ids
        full outer join placed_ids on raw_ids.event_id is not distinct from placed_ids.event_id
        where raw_rows is distinct from placed_rows
        """
    )
    assert differences == [], f"event ids placed a wrong number of times (id, raw, placed) {_shown(differences)}"


def assert_quarantine_reasons_documented(warehouse: ScratchWarehouse) -> None:
    reasons = {reason for (reason,) in warehouse.query("select distinct reason from marts.event_quarantine")}
    assert reasons <= QUARANTINE_REASONS, f"undocumented reasons {_shown(reasons - QUARANTINE_REASONS)}"


CLEAN_COLUMNS = (
    "event_id", "event_name", "occurred_at", "received_at", "user_id", "anonymous_id", "account_id",
    "is_in_tracking_plan", "is_user_action", "has_valid_properties", "properties", "connection_id",
    "source_type", "error_code",
)  # fmt: skip


def assert_valid_events_clean(warehouse: ScratchWarehouse, batch: Batch) -> None:
    """No valid event quarantined; each clean once with the spec's cleaned fields, its
    later copies duplicates, its garbage deliveries quarantined as unparseable."""
    valid = {event_.event_id: event_ for event_ in batch.valid}
    quarantined = warehouse.query(f"select reason, {', '.join(RAW_EVENT_COLUMNS)} from marts.event_quarantine")
    valid_rows = {raw_tuple(event_.row) for event_ in batch.valid} | {
        raw_tuple(copy) for event_ in batch.valid for copy in event_.later_copies
    }
    wrongly = [row for row in quarantined if tuple(row[1:]) in valid_rows]
    assert wrongly == [], f"valid events quarantined (reason, row) {_shown(wrongly)}"
    garbage = Counter((row[1], row[6], row[0]) for row in quarantined if row[1] in valid)
    assert garbage == Counter(
        (copy["event_id"], copy["occurred_at"], UNPARSEABLE) for event_ in batch.valid for copy in event_.garbage_copies
    ), "garbage deliveries of valid ids"

    duplicates = Counter(event_id for (event_id,) in warehouse.query("select event_id from marts.event_duplicates"))
    wrong_copies = [
        (event_id, duplicates[event_id]) for event_id, event_ in valid.items()
        if duplicates[event_id] != len(event_.later_copies)
    ]  # fmt: skip
    assert wrong_copies == [], f"valid events with a wrong number of duplicates (id, found) {_shown(wrong_copies)}"

    clean: dict[str, list[dict[str, object]]] = {}
    for values in warehouse.query(f"select {', '.join(CLEAN_COLUMNS)} from marts.fct_events"):
        clean.setdefault(values[0], []).append(dict(zip(CLEAN_COLUMNS, values)))
    missing = [event_id for event_id in valid if len(clean.get(event_id, [])) != 1]
    assert missing == [], f"valid events not clean exactly once {_shown(missing)}"
    wrong_fields = []
    for event_id, event_ in valid.items():
        found = clean[event_id][0]
        for column, expected in event_.expected_clean().items():
            if found[column] != expected:
                wrong_fields.append((event_id, column, found[column], expected))
    assert wrong_fields == [], f"valid events cleaned wrongly (id, column, found, expected) {_shown(wrong_fields)}"


def assert_refused_rows_quarantined(warehouse: ScratchWarehouse, batch: Batch) -> None:
    """Each row breaking one known rule is quarantined, as received, for that rule."""
    quarantined = Counter(
        (tuple(row[1:]), row[0])
        for row in warehouse.query(f"select reason, {', '.join(RAW_EVENT_COLUMNS)} from marts.event_quarantine")
    )
    wrong = [
        (reason, row["occurred_at"], row["event_id"], row["event_name"]) for row, reason in batch.refused
        if quarantined[(raw_tuple(row), reason)] < 1
    ]  # fmt: skip
    assert wrong == [], f"refused rows not quarantined for their reason (reason, occurred_at, id, name) {_shown(wrong)}"
