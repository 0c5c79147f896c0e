"""The event-name normalisation exists once: the dbt macro's rule, which Python reads.

Staging applies the macro ``normalize_event_name`` (macros/cleaning/text.sql); the Great
Expectations suite of raw.events and the data-quality tests apply
``activation_warehouse.event_names.normalized_event_name_sql``, built from the pattern and
joiner that Python reads out of the same macro file. Here dbt compiles the macro itself
(``dbt compile --inline``, no warehouse needed) and DuckDB runs both spellings over a table
of tricky names: they must agree on every row. The expected names of the spec's own
examples and of the edge cases are worked out by hand from the rule (SQL ``trim`` removes
spaces only; ``lower``; every run of whitespace (RE2's ``\\s``: space, tab, CR, LF, FF),
``_`` or ``-`` becomes one ``_``; an empty result is null).
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from activation_warehouse.event_names import RULE_FILE, EventNameRule, event_name_rule, normalized_event_name_sql
from activation_warehouse.paths import PROJECT_DIR
from activation_warehouse.validate import build_suites

from conftest import ScratchWarehouse, project_copy

#: (raw name, its normalised name by hand).
TRICKY: list[tuple[str | None, str | None]] = [
    # The spec's examples.
    ("Data Source Connected", "data_source_connected"),
    ("data-source-connected", "data_source_connected"),
    ("dashboard _created", "dashboard_created"),
    (" dashboard_created", "dashboard_created"),
    ("Dashboard Created", "dashboard_created"),
    # Runs of mixed separators become one underscore, also at the ends (only spaces are trimmed).
    ("report__-- scheduled", "report_scheduled"),
    ("__signed--up__", "_signed_up_"),
    ("---", "_"),
    # Other whitespace is a separator, not trimmed.
    ("page\tviewed", "page_viewed"),
    ("page\r\nviewed", "page_viewed"),
    (" \t page viewed \t ", "_page_viewed_"),
    ("\t", "_"),
    # Blank is missing.
    ("", None),
    ("   ", None),
    (None, None),
    # Not separators: dots, quotes, a no-break space (outside RE2's \s).
    ("insight.viewed", "insight.viewed"),
    ("teammate's invite", "teammate's_invite"),
    ("a\u00a0b", "a\u00a0b"),
    # Lower case beyond ASCII.
    ("Ünïcode Évent", "ünïcode_évent"),
    ("PAGE_VIEWED ", "page_viewed"),
    # Already normal, kept as sent (the macro's short cut), and the names beside them that
    # are not: a double or an edge underscore, a capital, a dash.
    ("page_viewed", "page_viewed"),
    ("step2_of_3", "step2_of_3"),
    ("x", "x"),
    ("page__viewed", "page_viewed"),
    ("_page_viewed", "_page_viewed"),
    ("page_viewed_", "page_viewed_"),
    ("page_Viewed", "page_viewed"),
    ("page-viewed", "page_viewed"),
]


def _compiled_macro(root: Path, project_dir: Path = PROJECT_DIR) -> str:
    """The macro as dbt compiles it for DuckDB in `project_dir`, applied to a column `name`."""
    warehouse = ScratchWarehouse(path=root / "warehouse.duckdb", target_dir=root / "target", project_dir=project_dir)
    result = warehouse.dbt(
        "compile", "--inline", "select {{ normalize_event_name('name') }} as normalized from tricky",
        "--output", "json", "-q",
    )
    start = result.stdout.index("{")
    compiled = json.loads(result.stdout[start:])["compiled"]
    assert compiled.startswith("select ") and compiled.endswith(" as normalized from tricky"), compiled
    return compiled.removeprefix("select ").removesuffix(" as normalized from tricky")


@pytest.fixture(scope="module")
def macro_sql(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The macro as dbt compiles it for DuckDB, applied to a column `name`."""
    return _compiled_macro(tmp_path_factory.mktemp("event_name_rule"))


def _apply(expression: str) -> list[str | None]:
    """`expression` over the TRICKY names (a column `name`), in their order."""
    with duckdb.connect() as connection:
        connection.execute("create table tricky (position integer, name varchar)")
        connection.executemany("insert into tricky values (?, ?)", list(enumerate(name for name, _ in TRICKY)))
        rows = connection.execute(f"select {expression} from tricky order by position").fetchall()  # noqa: S608
    return [row[0] for row in rows]


def test_the_macro_and_python_give_the_same_names(macro_sql: str) -> None:
    by_macro = _apply(macro_sql)
    by_python = _apply(normalized_event_name_sql("name"))
    differences = [(raw, a, b) for (raw, _), a, b in zip(TRICKY, by_macro, by_python) if a != b]
    assert differences == []


def test_the_rule_gives_the_names_worked_out_by_hand(macro_sql: str) -> None:
    assert _apply(macro_sql) == [expected for _, expected in TRICKY]


def test_python_reads_the_rule_from_the_macro_file(tmp_path: Path) -> None:
    """Change the rule in a copy of the macro file: Python's SQL follows it."""
    rule = event_name_rule()
    text = RULE_FILE.read_text(encoding="utf-8")
    changed = tmp_path / "text.sql"
    changed.write_text(text.replace("'joiner': '_'", "'joiner': '.'"), encoding="utf-8")
    assert event_name_rule(changed) == EventNameRule(separators=rule.separators, joiner=".")
    sql = normalized_event_name_sql("name", event_name_rule(changed))
    with duckdb.connect() as connection:
        row = connection.execute(f"select {sql} from (select 'Data Source Connected' as name)").fetchone()  # noqa: S608
    assert row == ("data.source.connected",)


@pytest.mark.parametrize(
    ("joiner", "pattern", "page_viewed", "insight_viewed"),
    [
        # One of the separators: `page-viewed` is the normal name, `page_viewed` is rewritten.
        ("-", r"[a-z0-9]+(\-[a-z0-9]+)*", "page-viewed", "insight.viewed"),
        # No separator: a dot is kept where it stands, and runs of separators become dots.
        (".", r"[a-z0-9]+(\.[a-z0-9]+)*", "page.viewed", "insight.viewed"),
    ],
)
def test_an_edited_rule_keeps_only_names_normal_under_it(
    tmp_path: Path, joiner: str, pattern: str, page_viewed: str, insight_viewed: str
) -> None:
    """The macro keeps a name that is already normal without rewriting it. With the joiner
    edited, the macro of an edited project copy must take the short cut of the edited rule
    and agree with Python's SQL of that rule on every tricky name; the names by hand:
    `page_viewed` and `page-viewed` become one name joined by the joiner, `insight.viewed`
    keeps its dot."""
    project = project_copy(tmp_path / "project")
    rule_file = project / "macros" / "cleaning" / "text.sql"
    rule_file.write_text(
        rule_file.read_text(encoding="utf-8").replace("'joiner': '_'", f"'joiner': '{joiner}'"), encoding="utf-8"
    )
    edited = event_name_rule(rule_file)
    assert edited.joiner == joiner
    compiled = _compiled_macro(tmp_path, project_dir=project)
    assert pattern in compiled, compiled
    assert _apply(compiled) == _apply(normalized_event_name_sql("name", edited))
    by_name = dict(zip((name for name, _ in TRICKY), _apply(compiled)))
    assert (by_name["page_viewed"], by_name["page-viewed"], by_name["insight.viewed"]) == (
        page_viewed, page_viewed, insight_viewed
    )


def test_a_rule_python_cannot_read_is_an_error(tmp_path: Path) -> None:
    broken = tmp_path / "text.sql"
    broken.write_text("{% macro event_name_rule() -%}\n    {{ return(rule) }}\n{%- endmacro %}\n")
    with pytest.raises(ValueError, match="event_name_rule"):
        event_name_rule(broken)


def test_the_raw_events_suite_normalises_with_the_rule() -> None:
    (raw_events,) = [suite for suite in build_suites() if suite.name == "raw_events"]
    assert raw_events.derived["event_name_normalized"] == (normalized_event_name_sql('"event_name"'), "event_name")
