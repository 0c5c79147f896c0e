"""The activation report and the BI publication, on a small demo build.

One build (the session's small demo: 100 demo accounts, fixed end time) serves every test:

- the report is one self-contained HTML file (no external script, style or image), with the
  verdict, one chart container per chart, the Vega libraries embedded, and the definition
  and as-of time at the foot; it tolerates a missing data-quality mart; it writes a small
  p-value as "p < 0.001"; and, where a Chromium is installed, it draws every chart with no
  network and no console error;
- the `activation_report` exposure names exactly the tables the report reads;
- the dbt docs site (`dbt docs generate --static`) opens from disk in headless Chromium,
  renders the project's models, exposures and semantic layer, and logs no console error
  beyond two defects of dbt-docs' own page (see DBT_DOCS_OWN_DEFECTS);
- the publication copies every mart (and the seeds) with the same row counts into a file of
  storage version v1.0.0 (checked in the header and by DuckDB 2.0; and by a real DuckDB 1.1
  when ``ACTIVATION_WAREHOUSE_DUCKDB11_PYTHON`` names a Python that has it), plus one
  Parquet per mart and the nudge export (tests/python/test_nudge_export.py);
- a reader that keeps the published file open while the warehouse is rebuilt and published
  again never errors and only ever sees the old marts or the new ones, never a mix.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
import textwrap
import time
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow.parquet as pq
import pytest

from activation_warehouse.cli import main
from activation_warehouse.publish import (
    STORAGE_VERSION_NUMBER,
    published_database,
    publish,
    read_storage_version_number,
)
from activation_warehouse.report import COUNTED, QUERIES, ReportData, experiment_sentences, write_report

from browser import HeadlessChromium, dump_dom, needs_chromium
from conftest import ScratchWarehouse

pytestmark = pytest.mark.dbt

#: The charts the demo must draw (every section has data on the demo).
EXPECTED_CHARTS = {"verdict", "funnel", "segments", "cohorts", "ttfv", "drivers", "experiments", "data_health"}
#: A Python with DuckDB 1.1 (e.g. a throwaway venv with duckdb==1.1.3 and pytz) to prove
#: that the published file opens in the DuckDB that BI drivers embed.
DUCKDB11_PYTHON = os.environ.get("ACTIVATION_WAREHOUSE_DUCKDB11_PYTHON")
#: Vars of the rebuild: they change the row counts of stalled_users and activation_opportunity
#: (models that read them: int_accounts, fct_user_activation, stalled_users).
REBUILD_VARS = "{stall_days: 1, in_scope_min_employees: 100}"
READER_PAIR = ("marts.stalled_users", "marts.activation_opportunity")


@pytest.fixture(scope="module")
def demo(small_demo: ScratchWarehouse) -> ScratchWarehouse:
    return small_demo


@pytest.fixture(scope="module")
def report(demo: ScratchWarehouse, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out_dir = tmp_path_factory.mktemp("report_out")
    result = write_report(demo.path, out_dir / "activation_report.html")
    assert result.path == (out_dir / "activation_report.html").resolve()
    return result.path, result.path.read_text(encoding="utf-8")


class _Tags(HTMLParser):
    """Every start tag with its attributes (script bodies are data, not tags)."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def _tags(page: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(page)
    return parser.tags


def _specs(page: str) -> dict:
    match = re.search(r"var specs = (\{.*?\});\n", page)
    assert match, "the chart specs are not embedded"
    return json.loads(match.group(1).replace("<\\/", "</"))


def _marts_counts(path: Path) -> dict[str, int]:
    with duckdb.connect(str(path), read_only=True) as connection:
        names = [row[0] for row in connection.execute(
            # Tables and views: on DuckDB a projection mart is a view
            # (macros/materializations/projection.sql); publishing copies it as a table.
            "select table_name from information_schema.tables where table_schema = 'marts' order by 1").fetchall()]
        return {name: connection.execute(f"select count(*) from marts.{name}").fetchall()[0][0] for name in names}


# ------------------------------------------------------------------------------ report

def test_report_is_one_self_contained_file(report: tuple[Path, str]) -> None:
    path, page = report
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # one file, no staging leftovers
    external = []
    for tag, attrs in _tags(page):
        for name in ("src", "href", "data", "srcset", "poster", "action"):
            value = (attrs.get(name) or "").strip().lower()
            if value and not value.startswith("#"):
                external.append((tag, name, value))
        if tag == "link":
            external.append((tag, "rel", attrs.get("rel")))
    assert external == [], f"the page loads something from outside itself: {external}"
    style = re.findall(r"<style>(.*?)</style>", page, flags=re.S)
    assert style and not re.search(r"@import|url\(", " ".join(style))


def test_report_shows_the_verdict_and_one_container_per_chart(demo: ScratchWarehouse, report: tuple[Path, str]) -> None:
    _, page = report
    verdict, reason, rate = demo.query(
        "select verdict, verdict_reason, post_connection_drop_rate from marts.activation_decision")[0]
    assert f"<span class='word'>{verdict.capitalize()}</span>" in page
    assert reason.replace("'", "&#x27;") in page
    assert f"{rate * 100:.1f}%" in page
    containers = [attrs["id"] for tag, attrs in _tags(page) if tag == "div" and "vl-chart" in (attrs.get("class") or "")]
    assert len(containers) == len(set(containers))
    assert set(containers) == {f"chart-{name}" for name in EXPECTED_CHARTS}
    specs = _specs(page)
    assert set(specs) == EXPECTED_CHARTS
    assert all("vega-lite" in spec["$schema"] for spec in specs.values())
    # The verdict chart draws the interval against both thresholds (rule marks).
    verdict_marks = json.dumps(specs["verdict"])
    assert '"rule"' in verdict_marks and "invest above 40%" in verdict_marks and "defer below 15%" in verdict_marks


def test_report_embeds_the_vega_libraries(report: tuple[Path, str]) -> None:
    _, page = report
    assert "window.vegaEmbed=" in page and "window.vegaLite=" in page and "window.vega=" in page
    scripts = re.findall(r"<script[^>]*>(.*?)</script>", page, flags=re.S)
    assert max(len(script) for script in scripts) > 500_000  # the bundle itself, inline


def test_report_foot_has_the_definition_and_as_of(demo: ScratchWarehouse, report: tuple[Path, str]) -> None:
    _, page = report
    foot = page[page.index("<footer id='definition'>"):]
    as_of = demo.scalar("select as_of from marts.activation_decision")
    assert f"{as_of:%Y-%m-%d %H:%M} UTC" in foot
    for key, event in demo.query("select milestone_key, event_name from seeds.milestone_events"):
        assert f"<b>{key}</b>" in foot and f"<code>{event}</code>" in foot
    assert "<code>activation_window_days</code></td><td><b>14</b>" in foot


def test_report_closes_the_warehouse(demo: ScratchWarehouse, report: tuple[Path, str]) -> None:
    # A read-write connection in this process fails while any read-only one is still open.
    with duckdb.connect(str(demo.path)) as connection:
        assert connection.execute("select count(*) from marts.activation_decision").fetchall() == [(1,)]


def test_report_tolerates_missing_data_quality_marts(demo: ScratchWarehouse, tmp_path: Path) -> None:
    copy = tmp_path / "partial.duckdb"
    shutil.copy(demo.path, copy)
    with duckdb.connect(str(copy)) as connection:
        connection.execute("drop table marts.dq_event_volume")
        connection.execute("drop table marts.dq_quarantine_share")
    result = write_report(copy, tmp_path / "partial.html")
    page = result.path.read_text(encoding="utf-8")
    assert "data_health" not in result.charts and EXPECTED_CHARTS - {"data_health"} <= set(result.charts)
    assert "<code>marts.dq_event_volume</code> (not built yet)" in page
    assert "<code>marts.dq_quarantine_share</code> (not built yet)" in page
    assert "Tracking coverage" in page


def test_report_command(demo: ScratchWarehouse, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "nested" / "report.html"
    assert main(["report", "--warehouse", str(demo.path), "--out", str(out)]) == 0
    assert str(out) in capsys.readouterr().out and out.is_file()
    assert main(["report", "--warehouse", str(tmp_path / "absent.duckdb"), "--out", str(out)]) == 1
    assert "report failed: no warehouse" in capsys.readouterr().err


@needs_chromium
def test_report_draws_every_chart_offline(report: tuple[Path, str], tmp_path: Path) -> None:
    path, _ = report
    dom = dump_dom(path.as_uri(), tmp_path / "profile")
    drawn = set(re.findall(r'id="chart-([a-z_]+)"[^>]*>(?:(?!</div>).)*?<svg[^>]*class="marks"', dom, flags=re.S))
    assert drawn == EXPECTED_CHARTS, f"charts not drawn: {EXPECTED_CHARTS - drawn}"
    assert 'data-chart-error="' not in dom
    # The same page in a live session: no console error while every chart draws.
    with HeadlessChromium(tmp_path / "live_profile") as browser:
        visit = browser.open(path.as_uri(), ready=f"document.querySelectorAll('.vl-chart svg.marks').length >= {len(EXPECTED_CHARTS)}",
                             screenshot=tmp_path / "report.png")
    assert visit.errors == [], f"the report logged console errors: {visit.errors}"
    assert "The activation definition in force" in visit.text


def _experiments(p_value: float) -> ReportData:
    """One flag, control 30 of 100 against treatment 45 of 100, with the given p-value."""
    rows = [
        {"flag_key": "guided_setup_v2", "variant": "control", "is_control": True, "exposed_users": 100,
         "activated_users": 30, "activation_rate": 0.30, "diff_vs_control": 0.0, "p_value": None,
         "users_excluded_multiple_variants": 0},
        {"flag_key": "guided_setup_v2", "variant": "treatment", "is_control": False, "exposed_users": 100,
         "activated_users": 45, "activation_rate": 0.45, "diff_vs_control": 0.15, "p_value": p_value,
         "users_excluded_multiple_variants": 0},
    ]
    return ReportData(warehouse=Path("unused.duckdb"), tables={"marts.experiment_results": pd.DataFrame(rows)})


@pytest.mark.parametrize(
    ("p_value", "shown"),
    [(0.0002, "p < 0.001"), (0.0009999, "p < 0.001"), (0.001, "p = 0.001"), (0.0042, "p = 0.004"),
     (0.0289, "p = 0.03"), (0.1681, "p = 0.17")],
)
def test_report_writes_small_p_values_as_below_a_thousandth(p_value: float, shown: str) -> None:
    (sentence,) = experiment_sentences(_experiments(p_value))
    assert f"+15.0 points, {shown} — " in sentence
    assert "p = 0.000" not in sentence and "p = 0.00 " not in sentence


# ------------------------------------------------------------------------------ lineage and docs

def test_report_exposure_names_every_table_the_report_reads(demo: ScratchWarehouse) -> None:
    manifest = json.loads((demo.target_dir / "manifest.json").read_text())
    nodes = manifest["exposures"]["exposure.activation_warehouse.activation_report"]["depends_on"]["nodes"]
    # A node's relation is its alias: a versioned mart's node id ends in `.v2`, its table in `_v2`.
    exposed = {f"{manifest['nodes'][node]['schema']}.{manifest['nodes'][node]['alias']}" for node in nodes}
    # What the report reads (report/data.py): its queries, its row counts and every data-quality mart there is.
    dq_marts = {f"marts.{name}" for (name,) in demo.query(
        "select table_name from duckdb_tables() where schema_name = 'marts' and table_name like 'dq\\_%' escape '\\'")}
    assert len(dq_marts) >= 7
    assert exposed == set(QUERIES) | set(COUNTED) | dq_marts


@pytest.fixture(scope="module")
def docs_site(demo: ScratchWarehouse) -> Path:
    """`dbt docs generate --static` of the demo build: one HTML file with the manifest and the
    catalog inside, which opens from disk."""
    demo.dbt("docs", "generate", "--static")
    return demo.target_dir / "static_index.html"


#: dbt-docs' own page (the index.html bundled with dbt-core 1.11) asks for two URLs it never
#: filled in: its favicon, `${require('./assets/favicons/favicon.ico')}` in the page head, and
#: the sidebar's icons, `{{ getIcon(item.type, 'on'|'off') }}` in an `src` attribute (Angular
#: needs `ng-src`). Each fails in any browser, from disk or from `dbt docs serve`; these two
#: literal URLs are the only errors tolerated.
DBT_DOCS_OWN_DEFECTS = (re.compile(r"/\$%7Brequire\('\./assets/favicons/favicon\.ico'\)%7D$"),
                        re.compile(r"/%7B%7B%20getIcon\(item\.type,%20'(on|off)'\)%20%7D%7D"))


def _not_dbt_docs_own(errors: list) -> list:
    return [e for e in errors if not any(p.search(e.url) or p.search(e.text) for p in DBT_DOCS_OWN_DEFECTS)]


@needs_chromium
def test_dbt_docs_site_renders_offline_without_console_errors(docs_site: Path, tmp_path: Path) -> None:
    site = docs_site.as_uri()
    with HeadlessChromium(tmp_path / "profile") as browser:
        overview = browser.open(site, ready="document.body && document.body.innerText.includes('Exposures')")
        model = browser.open(
            f"{site}#!/model/model.activation_warehouse.fct_user_activation.v2",
            ready="document.body.innerText.includes('Reached first value (at or after the connection) within the window.')",
        )
        exposure = browser.open(
            f"{site}#!/exposure/exposure.activation_warehouse.activation_report",
            ready="document.body.innerText.includes('HTML activation report')",
            screenshot=tmp_path / "dbt_docs_exposure.png",
        )
    for visit in (overview, model, exposure):
        assert _not_dbt_docs_own(visit.errors) == [], f"{visit.url} logged console errors: {visit.errors}"
    # The sidebar lists the project's resources, the semantic layer included.
    for heading in ("Sources", "Exposures", "Metrics", "Semantic Models", "Projects"):
        assert heading in overview.text
    # A model page carries its YAML description and its columns, with the catalog's types.
    assert "One row per user in the metrics" in model.text
    assert "minutes_to_first_value" in model.text and "DOUBLE" in model.text.upper()
    # The exposure page lists what the report depends on.
    assert "activation_decision" in exposure.text and "dq_event_volume" in exposure.text
    assert exposure.screenshot is not None and exposure.screenshot.stat().st_size > 10_000


# ------------------------------------------------------------------------------ publish

@pytest.fixture(scope="module")
def published(demo: ScratchWarehouse, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out_dir = tmp_path_factory.mktemp("published")
    report = publish(demo.path, out_dir)
    assert report.database == published_database(out_dir)
    return out_dir


def test_publish_copies_every_mart_with_its_rows(demo: ScratchWarehouse, published: Path) -> None:
    database = published_database(published)
    expected = _marts_counts(demo.path)
    assert len(expected) >= 11 and "activation_decision" in expected
    assert _marts_counts(database) == expected
    with duckdb.connect(str(database), read_only=True) as connection:
        seeds = {row[0] for row in connection.execute(
            "select table_name from duckdb_tables() where schema_name = 'seeds'").fetchall()}
        as_of = connection.execute("select as_of from meta.publication").fetchall()[0][0]
    assert {"milestones", "milestone_events", "company_size_bands"} <= seeds
    assert as_of == demo.scalar("select as_of from marts.activation_decision")
    current = published / "parquet" / "current"
    assert current.is_symlink()
    for name, rows in expected.items():
        assert pq.ParquetFile(current / "marts" / f"{name}.parquet").metadata.num_rows == rows, name
    assert not stat.S_IMODE(database.stat().st_mode) & 0o222  # read-only file
    assert sorted(p.name for p in published.iterdir()) == [".publish.lock", "activation_marts.duckdb", "exports", "parquet"]
    assert sorted(p.name for p in (published / "exports").iterdir()) == ["stalled_users.csv", "stalled_users.parquet"]


def test_a_report_can_be_read_from_the_published_copy(published: Path, tmp_path: Path) -> None:
    result = write_report(published_database(published), tmp_path / "from_published.html")
    assert set(result.charts) == EXPECTED_CHARTS


def test_published_file_has_storage_version_1_0_0(published: Path, tmp_path: Path) -> None:
    database = published_database(published)
    with open(database, "rb") as handle:
        header = handle.read(20)
    assert header[8:12] == b"DUCK"
    assert read_storage_version_number(database) == STORAGE_VERSION_NUMBER == 64
    with duckdb.connect() as connection:
        connection.execute(f"attach '{database}' as published (read_only)")
        tags = connection.execute(
            "select tags from duckdb_databases() where database_name = 'published'").fetchall()[0][0]
    assert tags["storage_version"].startswith("v1.0.0")
    # The check tells versions apart: a file DuckDB 2.0 writes by default is not v1.0.0.
    default = tmp_path / "default.duckdb"
    with duckdb.connect(str(default)) as connection:
        connection.execute("create table t as select 1 as x")
    assert read_storage_version_number(default) != STORAGE_VERSION_NUMBER


@pytest.mark.skipif(not DUCKDB11_PYTHON, reason="set ACTIVATION_WAREHOUSE_DUCKDB11_PYTHON to a Python with duckdb 1.1")
def test_duckdb_1_1_opens_the_published_file(demo: ScratchWarehouse, published: Path) -> None:
    script = textwrap.dedent(
        """
        import json, sys, duckdb
        assert duckdb.__version__.startswith("1.1"), duckdb.__version__
        connection = duckdb.connect(sys.argv[1], read_only=True)
        names = [r[0] for r in connection.execute(
            "select table_name from information_schema.tables where table_schema = 'marts'").fetchall()]
        counts = {n: connection.execute(f"select count(*) from marts.{n}").fetchall()[0][0] for n in names}
        connection.execute("select * from marts.fct_user_activation").fetchall()  # every type decodes
        print(json.dumps({"version": duckdb.__version__, "counts": counts}))
        """
    )
    result = subprocess.run([DUCKDB11_PYTHON, "-c", script, str(published_database(published))],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["counts"] == _marts_counts(demo.path)


READER = textwrap.dedent(
    """
    import json, os, sys, time, duckdb
    mode, path, stop, log = sys.argv[1:5]
    sql = [f"select count(*) from {table}" for table in sys.argv[5:7]]

    def snapshot(connection):
        connection.execute("begin transaction")  # both counts from one transaction
        counts = [connection.execute(q).fetchall()[0][0] for q in sql]
        connection.execute("commit")
        return counts

    with open(log, "w") as out:
        def record(kind, value):
            out.write(json.dumps([kind, value]) + "\\n")
            out.flush()
        try:
            # "held": one connection open through the whole rebuild and publish. "fresh": a
            # new connection per snapshot (in a process of its own: connections of one
            # process share one open database, so they would all keep the old file).
            held = duckdb.connect(path, read_only=True) if mode == "held" else None
            record(mode, snapshot(held) if held else None)
            record("ready", None)
            while not os.path.exists(stop):
                if held is not None:
                    record("held", snapshot(held))
                else:
                    fresh = duckdb.connect(path, read_only=True)
                    record("fresh", snapshot(fresh))
                    fresh.close()
                time.sleep(0.1)
            if held is not None:
                record("held", snapshot(held))
                held.close()
            final = duckdb.connect(path, read_only=True)
            record("final", snapshot(final))
            final.close()
        except Exception as error:
            record("error", repr(error))
            sys.exit(1)
    """
)


def test_a_reader_never_blocks_nor_sees_a_mix_during_rebuild_and_publish(
    demo: ScratchWarehouse, tmp_path: Path
) -> None:
    out_dir = tmp_path / "published"
    publish(demo.path, out_dir)
    database = published_database(out_dir)
    with duckdb.connect(str(database), read_only=True) as connection:
        old = [connection.execute(f"select count(*) from {t}").fetchall()[0][0] for t in READER_PAIR]

    rebuilt = ScratchWarehouse(path=tmp_path / "rebuilt.duckdb", target_dir=tmp_path / "target")
    shutil.copy(demo.path, rebuilt.path)
    stop = tmp_path / "stop"
    logs = {mode: tmp_path / f"{mode}.jsonl" for mode in ("held", "fresh")}
    readers = {
        mode: subprocess.Popen([sys.executable, "-c", READER, mode, str(database), str(stop), str(log), *READER_PAIR])
        for mode, log in logs.items()
    }
    try:
        deadline = time.monotonic() + 30
        for mode, log in logs.items():
            while '"ready"' not in (log.read_text() if log.exists() else ""):
                assert readers[mode].poll() is None and time.monotonic() < deadline, f"the {mode} reader did not start"
                time.sleep(0.05)
        # Rebuild what the changed vars feed, while the readers hold the published file.
        rebuilt.dbt("run", "--select", "int_accounts+", "fct_user_activation+", "--vars", REBUILD_VARS)
        report = publish(rebuilt.path, out_dir)
        time.sleep(0.5)  # let the fresh reader open the new file a few times
    finally:
        stop.touch()
        for reader in readers.values():
            reader.wait(timeout=60)
    records = {mode: [json.loads(line) for line in log.read_text().splitlines()] for mode, log in logs.items()}
    errors = [value for mode in records for kind, value in records[mode] if kind == "error"]
    assert all(reader.returncode == 0 for reader in readers.values()) and not errors, errors

    new = [report.tables[t] for t in READER_PAIR]
    assert new != old, "the rebuild should change the counts"
    held = [value for kind, value in records["held"] if kind == "held"]
    fresh = [value for kind, value in records["fresh"] if kind == "fresh" and value is not None]
    assert len(held) > 10 and len(fresh) > 10
    # The connection opened before the publish keeps the old file to the end: old marts only.
    assert all(snapshot == old for snapshot in held), "a connection opened before the publish saw new marts"
    # New connections see the old marts, then the new ones: never a mix, never back.
    assert all(snapshot in (old, new) for snapshot in fresh), "a reader saw a mix of old and new marts"
    assert fresh[0] == old and fresh[-1] == new
    assert sum(1 for i in range(1, len(fresh)) if fresh[i] != fresh[i - 1]) == 1
    # Once closed and reopened, both readers see the new marts.
    for mode in records:
        assert [value for kind, value in records[mode] if kind == "final"] == [new]


def test_report_carries_no_personal_data(demo: ScratchWarehouse, report: tuple[Path, str]) -> None:
    """The demo's raw events hold invitees' addresses; none reaches the page (nor its data)."""
    from test_personal_data import SCAN_PATTERN

    assert demo.scalar("select count(*) from raw.events where properties like '%@%'") > 0
    _, page = report
    assert re.findall(SCAN_PATTERN, page, flags=re.IGNORECASE) == []
