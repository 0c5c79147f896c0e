"""The HTML building blocks every report section shares (report.py and report_sections.py),
written once so a table or a missing-mart note looks the same in every section."""

from __future__ import annotations

import html
from typing import Any


def esc(value: Any) -> str:
    """Text made safe for HTML; None is empty."""
    return html.escape("" if value is None else str(value))


def table(headers: list[str], rows: list[list[str]], numeric: set[int] | None = None, cls: str = "") -> str:
    """A plain table; the columns in `numeric` are right-aligned. Cells are HTML already."""
    numeric = numeric or set()
    head = "".join(f"<th{' class=num' if i in numeric else ''}>{h}</th>" for i, h in enumerate(headers))
    body = "".join(
        "<tr>" + "".join(f"<td{' class=num' if i in numeric else ''}>{cell}</td>" for i, cell in enumerate(row)) + "</tr>"
        for row in rows
    )
    return f"<table class='{cls}'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def missing(name: str) -> str:
    """The note for a mart the warehouse does not hold (not built yet)."""
    return f"<p class='missing'>Not in this warehouse: <code>{esc(name)}</code> (not built yet).</p>"
