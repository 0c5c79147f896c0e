"""The activation report: one self-contained HTML file read from the built warehouse.

``python -m activation_warehouse report [--warehouse W] [--out reports/activation_report.html]``

The page opens from disk with no server and no internet: the charts are Vega-Lite specs
made with altair, and the Vega / Vega-Lite / vega-embed JavaScript (from
vl-convert-python) is embedded inline in the file. It reads only ``marts`` and ``seeds``,
so it works on the warehouse or on the published copy (``published/activation_marts.duckdb``),
which can be read while a build runs. The warehouse is opened read-only and closed before
the HTML is written. The report computes no statistic of its own: rates, intervals,
p-values and percentiles are the marts' (docs/report.md, "Where each number comes from").

The package, by role: data.py reads the warehouse; charts.py and charts_evidence.py make
the Vega-Lite specs; sections.py, followups.py, health.py and incidents.py make each
section's HTML; format.py writes numbers and tables one way; page.py assembles the page
from page.html and style.css. These names are what the command line and the tests use.
"""

from __future__ import annotations

from activation_warehouse.report.data import COUNTED, QUERIES, ReportData, ReportError, read_report_data, setting_label
from activation_warehouse.report.page import DEFAULT_REPORT_PATH, ReportResult, render_html, write_report
from activation_warehouse.report.sections import experiment_sentences, p_value_text

__all__ = [
    "COUNTED", "DEFAULT_REPORT_PATH", "QUERIES", "ReportData", "ReportError", "ReportResult", "experiment_sentences",
    "p_value_text", "read_report_data", "render_html", "setting_label", "write_report",
]
