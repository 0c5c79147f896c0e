"""The relation each versioned mart is read from, in one place for every Python reader.

Two marts have dbt model versions (models/marts/core/_core__models.yml and
models/marts/activation/_activation__funnel_drivers.yml): their latest version is built as
``<mart>_v<N>``, while the unversioned name keeps the deprecated version 1 for BI tools
until its deprecation date. The report and the checks must read the latest version, and a
reader should not have to know which version that is: when a version 3 arrives, this table
is the one line to change (a test compares it with dbt's manifest).
"""

from __future__ import annotations

#: mart name -> relation of its latest version (dbt's default alias `<name>_v<version>`).
LATEST_RELATIONS: dict[str, str] = {
    "fct_user_activation": "fct_user_activation_v2",
    "activation_drivers": "activation_drivers_v2",
}


def latest_relation(mart: str) -> str:
    """The table to read for `mart`: its latest version's relation when it is versioned,
    else the mart's own name (an unversioned mart is its only version)."""
    return LATEST_RELATIONS.get(mart, mart)
