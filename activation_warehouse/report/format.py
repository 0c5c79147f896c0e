"""How the report writes numbers and HTML, written once so every section looks the same.

Why a module of its own: a rate, an amount or a missing mart must read the same in every
section (a dash for no value, never "nan"), and a table must escape the same way; the
sections and charts only choose what to show.
"""

from __future__ import annotations

import html
import math
from datetime import datetime
from typing import Any

import pandas as pd


def esc(value: Any) -> str:
    """Text made safe for HTML; None is empty."""
    return html.escape("" if value is None else str(value))


def esc_or_dash(value: Any) -> str:
    """Text made safe for HTML; a missing value (None, NaN) is a dash, as in a table cell."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "–"
    return html.escape(str(value))


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


def chart_div(name: str) -> str:
    """The container the page's script draws chart `name` into."""
    return f"<div class='vl-chart' id='chart-{name}' data-chart='{name}'></div>"


def pct(value: Any, digits: int = 1) -> str:
    """A mart's rate as a percentage; a dash for none."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value):
        return "–"
    return f"{float(value) * 100:.{digits}f}%"


def share(part: int, whole: int) -> str:
    """A count as a whole percentage of another (a dash when the whole is 0)."""
    return "–" if not whole else f"{part / whole:.0%}"


def whole(value: Any) -> str:
    """A count with thousands separators; a dash for none."""
    if value is None or pd.isna(value):
        return "–"
    return f"{int(round(float(value))):,}"


def num(value: Any, digits: int = 1) -> str:
    """A number with thousands separators and `digits` decimals; a dash for none."""
    if value is None or pd.isna(value):
        return "–"
    return f"{float(value):,.{digits}f}"


def money(value: Any) -> str:
    """An amount in M or k above ten thousand, so a table of revenues reads at a glance."""
    if value is None or pd.isna(value):
        return "–"
    value = float(value)
    if abs(value) >= 1e6:
        return f"{value / 1e6:,.2f} M"
    if abs(value) >= 1e4:
        return f"{value / 1e3:,.0f} k"
    return f"{value:,.0f}"


def duration(minutes: Any) -> str:
    """Minutes in the unit a reader takes in at a glance (min, h or days); – for none."""
    if minutes is None or pd.isna(minutes):
        return "–"
    minutes = float(minutes)
    if minutes < 60:
        return f"{minutes:.0f} min"
    if minutes < 48 * 60:
        return f"{minutes / 60:.1f} h"
    return f"{minutes / 1440:.1f} days"


def days_text(days: Any) -> str:
    """A number of days in words ("3 days", "1 day"); the setting's name when unknown."""
    if days is None or pd.isna(days):
        return "the stall_days setting"
    number = float(days)
    shown = f"{int(number)}" if number.is_integer() else f"{number:g}"
    return f"{shown} day{'' if number == 1 else 's'}"


def day(value: object) -> str:
    """A date cell; empty for a missing value."""
    return "" if value is None or pd.isna(value) else f"{pd.Timestamp(value):%Y-%m-%d}"


def badge(status: str) -> str:
    """A data-quality status as a coloured badge."""
    return f"<span class='badge badge-{esc(status)}'>{esc(status.replace('_', ' '))}</span>"


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """JSON-ready rows for a chart: NaN/NaT become null, times ISO text, numpy scalars Python ones."""
    out = []
    for row in frame.to_dict(orient="records"):
        clean = {}
        for key, value in row.items():
            if value is None or (not isinstance(value, (str, bytes, list, dict)) and pd.isna(value)):
                clean[key] = None
            elif isinstance(value, (pd.Timestamp, datetime)):
                clean[key] = pd.Timestamp(value).isoformat()
            elif hasattr(value, "isoformat"):
                clean[key] = value.isoformat()
            elif hasattr(value, "item"):
                clean[key] = value.item()
            else:
                clean[key] = value
        out.append(clean)
    return out


def optional_float(value: Any) -> float | None:
    """A mart's number for a chart's data: None for a null (JSON null, not NaN)."""
    return None if value is None or pd.isna(value) else float(value)
