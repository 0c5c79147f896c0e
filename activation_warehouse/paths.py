"""Where things live, resolved the same way by every tool and by dbt's profile."""

from __future__ import annotations

import os
from pathlib import Path

#: The repository root (the dbt project directory).
PROJECT_DIR = Path(__file__).resolve().parent.parent


def warehouse_path() -> Path:
    """The DuckDB warehouse file: ``$ACTIVATION_WAREHOUSE_PATH``, else ``warehouse.duckdb``
    in the repository, the same default the dbt profile uses when run from the root."""
    configured = os.environ.get("ACTIVATION_WAREHOUSE_PATH")
    return Path(configured).expanduser().resolve() if configured else PROJECT_DIR / "warehouse.duckdb"
