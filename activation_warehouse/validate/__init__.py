"""Great Expectations suites for the raw tables and the key marts, run after a build.

``python -m activation_warehouse validate`` opens the DuckDB warehouse read-only, reads each
table into pandas frames (big tables in batches) and validates them with Great Expectations
(GX 1.x) through its pandas datasource, in an ephemeral context: no GX project, no state
left behind. The results go to one self-contained HTML page (Data Docs) and a short summary
on the terminal; any failed expectation makes the command exit 1.

Why pandas and not GX's SQL datasource: over duckdb-engine the SQL datasource silently fails
every metric expectation here (it closes the connection before fetching); the pandas
datasource with an ephemeral context works and writes no files.

The package, one concern a module:

* ``definitions``: what the project declares (raw contract, mart contracts, value sets),
  read from the sources' YAML (``models/staging/*/_*__sources.yml``) and the marts' YAML:
  never restated in Python;
* ``suites``: the checks of each table (``Check``, ``Suite``, ``build_suites``);
* ``runner``: reading DuckDB in batches and running GX (``validate_warehouse``);
* ``results``: outcomes summed over batches and the terminal summary;
* ``data_docs``: the HTML page.
"""

from __future__ import annotations

from activation_warehouse.validate.data_docs import DEFAULT_DOCS_DIR, DOCS_FILE_NAME, render_data_docs, write_data_docs
from activation_warehouse.validate.results import EXAMPLES_SHOWN, Outcome, SuiteResult, ValidationReport, _Tally
from activation_warehouse.validate.runner import (
    DEFAULT_BATCH_ROWS,
    DEFAULT_WHOLE_MAX_ROWS,
    RESULT_FORMAT,
    ValidationSetupError,
    validate_warehouse,
)
from activation_warehouse.validate.suites import RECEIVED_AT_MAX, RECEIVED_AT_MIN, Check, Suite, build_suites

__all__ = [
    "DEFAULT_BATCH_ROWS", "DEFAULT_DOCS_DIR", "DEFAULT_WHOLE_MAX_ROWS", "DOCS_FILE_NAME", "EXAMPLES_SHOWN",
    "RECEIVED_AT_MAX", "RECEIVED_AT_MIN", "RESULT_FORMAT", "Check", "Outcome", "Suite", "SuiteResult",
    "ValidationReport", "ValidationSetupError", "_Tally", "build_suites", "render_data_docs",
    "validate_warehouse", "write_data_docs",
]
