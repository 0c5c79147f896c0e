"""The Data Docs page: the validation results as one self-contained HTML file."""

from __future__ import annotations

import html
from datetime import datetime, timezone
from pathlib import Path

from activation_warehouse.paths import PROJECT_DIR
from activation_warehouse.validate.results import ValidationReport

#: Where the Data Docs page goes unless --docs-dir says otherwise.
DEFAULT_DOCS_DIR = PROJECT_DIR / "target" / "data_docs"
DOCS_FILE_NAME = "index.html"

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem;color:#1f2328;max-width:1400px}
h1{font-size:1.5rem;margin-bottom:.2rem} h2{font-size:1.15rem;margin:2rem 0 .3rem}
.meta,.desc{color:#59636e;margin:.2rem 0} .pill{display:inline-block;padding:.1rem .55rem;border-radius:1rem;
font-weight:600;font-size:.85rem} .ok{background:#dafbe1;color:#116329} .fail{background:#ffebe9;color:#a40e26}
table{border-collapse:collapse;width:100%;margin-top:.5rem;font-size:.9rem}
th,td{border:1px solid #d1d9e0;padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:#f6f8fa} tr.failed td{background:#fff5f5} code{font-size:.85rem}
nav a{margin-right:1rem} .note{color:#59636e;font-size:.85rem}
"""


def render_data_docs(report: ValidationReport) -> str:
    """The validation results as one self-contained HTML page (no scripts, no CDN)."""
    esc = html.escape
    generated = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    total, failed = len(report.outcomes), len(report.failures)
    verdict = "ok" if report.success else "fail"
    out = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<title>Data Docs — activation warehouse</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>Data Docs — activation warehouse</h1>",
        f"<p class='meta'>Warehouse <code>{esc(str(report.warehouse))}</code> · generated {generated} · "
        f"{report.seconds:.1f} s · Great Expectations (pandas datasource, ephemeral context)</p>",
        f"<p><span class='pill {verdict}'>{'all passed' if report.success else f'{failed} failed'}</span> "
        f"{len(report.suites)} suites, {total} expectations</p>",
        "<h2>Suites</h2><table><tr><th>suite</th><th>table</th><th>rows</th><th>batches</th>"
        "<th>passed</th><th>status</th></tr>",
    ]
    for result in report.suites:
        status = "ok" if result.success else "fail"
        rows = "missing" if result.rows is None else f"{result.rows:,}"
        out.append(
            f"<tr class='{'' if result.success else 'failed'}'><td><a href='#{esc(result.suite.name)}'>"
            f"{esc(result.suite.name)}</a></td><td>{esc(result.suite.relation)}</td><td>{rows}</td>"
            f"<td>{result.batches}</td><td>{len(result.outcomes) - result.failed}/{len(result.outcomes)}</td>"
            f"<td><span class='pill {status}'>{'passed' if result.success else 'failed'}</span></td></tr>"
        )
    out.append("</table>")
    for result in report.suites:
        suite = result.suite
        out += [
            f"<h2 id='{esc(suite.name)}'>{esc(suite.name)} "
            f"<span class='pill {'ok' if result.success else 'fail'}'>"
            f"{'passed' if result.success else f'{result.failed} failed'}</span></h2>",
            f"<p class='desc'><code>{esc(suite.relation)}</code> — {esc(suite.description)}</p>",
            "<table><tr><th>expectation</th><th>column</th><th>arguments</th><th>success</th>"
            "<th>observed value</th><th>why</th></tr>",
        ]
        for outcome in result.outcomes:
            out.append(
                f"<tr class='{'' if outcome.success else 'failed'}'><td><code>{esc(outcome.expectation)}</code></td>"
                f"<td>{esc(outcome.column)}</td><td><code>{esc(outcome.arguments)}</code></td>"
                f"<td>{'✅ yes' if outcome.success else '❌ no'}</td><td>{esc(outcome.observed)}</td>"
                f"<td class='note'>{esc(outcome.note)}</td></tr>"
            )
        out.append("</table>")
    out.append("</body></html>")
    return "\n".join(out)


def write_data_docs(report: ValidationReport, docs_dir: Path) -> Path:
    """Write the page to docs_dir/index.html; return its path."""
    docs_dir.mkdir(parents=True, exist_ok=True)
    path = docs_dir / DOCS_FILE_NAME
    path.write_text(render_data_docs(report), encoding="utf-8")
    return path.resolve()
