"""Load a folder of raw files into the warehouse's raw schema, all or nothing.

A user hands the project one file per raw table (``<table>.parquet``, ``.csv`` or
``.jsonl``, see ``docs/loading-data.md``). Every file column is read as text first and
only then cast by the contract in ``contract.py``. A load replaces the raw tables, or with
``append=True`` adds a batch of events (and newer snapshots of the application tables).

The parts, by role: ``files`` (the folder, headers, hashes), ``read`` (each format as
text, hostile-file checks), ``cast`` (the contract's casts and their checks), ``ledger``
(the table of loaded files) and ``run`` (one load: check everything, then write in one
transaction).
"""

from activation_warehouse.load.common import LoadError, LoadReport
from activation_warehouse.load.ledger import LEDGER_TABLE
from activation_warehouse.load.read import MAX_ROW_BYTES
from activation_warehouse.load.run import APPENDED_TABLES, PAUSE_VARIABLE, load_folder

__all__ = [
    "APPENDED_TABLES", "LEDGER_TABLE", "MAX_ROW_BYTES", "PAUSE_VARIABLE",
    "LoadError", "LoadReport", "load_folder",
]  # fmt: skip
