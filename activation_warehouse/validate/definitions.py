"""What the suites check, read from the project's single sources instead of restated here.

* the raw tables' columns and value sets: the sources of the raw data contract, one per
  source system (``RAW_SOURCES``: the ``_*__sources.yml`` of ``models/staging/tracker``
  and ``models/staging/app``; each column's name; an ``accepted_values`` data test gives a
  closed set, a column's ``meta.expected_values`` / ``meta.expected_share`` a set that
  other values may miss);
* the marts' columns and value sets: their enforced contracts in ``models/marts/**/*.yml``
  (a versioned model: its latest version, with dbt's include / exclude resolved);
* the event names of the tracking plan: the seed (``contract.tracking_plan``);
* the event-name normalisation: the dbt macro (``activation_warehouse.event_names``).

The YAML is read as written (no build needed; a Jinja ``data_type`` stays text, and the
suites need only names and values). A model or column the suites name that the YAML does
not have is an error here, at suite-building time, not a silent pass.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from activation_warehouse.paths import PROJECT_DIR

STAGING_DIR = PROJECT_DIR / "models" / "staging"
#: The dbt sources that declare the raw data contract, one per source system, both reading
#: the raw schema: (source name, its YAML). The macro raw_contract_sources names the same.
RAW_SOURCES: tuple[tuple[str, Path], ...] = (
    ("tracker", STAGING_DIR / "tracker" / "_tracker__sources.yml"),
    ("app", STAGING_DIR / "app" / "_app__sources.yml"),
)
MARTS_DIR = PROJECT_DIR / "models" / "marts"


@dataclass(frozen=True)
class ValueSet:
    """The values a column may hold; `mostly` is the share of non-null values that must
    (None: every one)."""

    values: tuple[str, ...]
    mostly: float | None = None


@dataclass(frozen=True)
class TableDefinition:
    """One table as the project declares it: its relation name, columns in order and the
    value sets of its columns."""

    name: str
    relation: str
    columns: tuple[str, ...]
    value_sets: Mapping[str, ValueSet] = field(default_factory=dict)

    def value_set(self, column: str) -> ValueSet:
        if column not in self.value_sets:
            raise KeyError(f"{self.name}.{column} declares no value set")
        return self.value_sets[column]


def _accepted_values(column: Mapping[str, Any]) -> ValueSet | None:
    """The column's value set: its accepted_values data test, else its meta."""
    for test in column.get("data_tests") or column.get("tests") or ():
        if isinstance(test, Mapping) and "accepted_values" in test:
            spec = test["accepted_values"] or {}
            values = (spec.get("arguments") or spec).get("values")
            if values is not None:
                return ValueSet(tuple(str(value) for value in values))
    meta = column.get("meta") or (column.get("config") or {}).get("meta") or {}
    if "expected_values" in meta:
        share = meta.get("expected_share")
        return ValueSet(tuple(str(value) for value in meta["expected_values"]),
                        None if share is None else float(share))
    return None


def _table(name: str, relation: str, columns: Sequence[Mapping[str, Any]]) -> TableDefinition:
    value_sets = {column["name"]: found for column in columns if (found := _accepted_values(column))}
    return TableDefinition(name, relation, tuple(column["name"] for column in columns), value_sets)


def raw_source_tables(sources: tuple[tuple[str, Path], ...] = RAW_SOURCES) -> list[Mapping[str, Any]]:
    """The YAML entries of the raw tables, every source of the contract in turn: the
    contract is one whole (one raw schema) though each source system declares its part."""
    tables: list[Mapping[str, Any]] = []
    for source, sources_file in sources:
        document = yaml.safe_load(sources_file.read_text(encoding="utf-8"))
        (declared,) = [entry for entry in document["sources"] if entry["name"] == source]
        tables += declared["tables"]
    return tables


@lru_cache(maxsize=4)
def raw_tables(sources: tuple[tuple[str, Path], ...] = RAW_SOURCES) -> dict[str, TableDefinition]:
    """The raw tables of the contract, by table name."""
    return {table["name"]: _table(table["name"], table["name"], table.get("columns") or ())
            for table in raw_source_tables(sources)}


def _model_entries(marts_dir: Path) -> Iterator[Mapping[str, Any]]:
    for path in sorted(marts_dir.rglob("*.yml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        yield from document.get("models") or ()


def _version_columns(model: Mapping[str, Any], version: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """A version's columns as dbt resolves them: `include` (all or a list) of the model's
    columns less `exclude`, then the version's own columns (which win by name)."""
    base = {column["name"]: column for column in model.get("columns") or ()}
    if "columns" not in version:
        return list(base.values())
    columns: dict[str, Mapping[str, Any]] = {}
    for entry in version["columns"]:
        if "include" in entry:
            include = entry["include"]
            names = list(base) if include in ("all", "*") else list(include)
            excluded = set(entry.get("exclude") or ())
            columns.update({name: base[name] for name in names if name not in excluded})
        else:
            columns[entry["name"]] = entry
    return list(columns.values())


def _mart(model: Mapping[str, Any]) -> TableDefinition:
    name = model["name"]
    versions = model.get("versions")
    if not versions:
        alias = (model.get("config") or {}).get("alias") or name
        return _table(name, alias, model.get("columns") or ())
    latest = model.get("latest_version", max(version["v"] for version in versions))
    (version,) = [version for version in versions if str(version["v"]) == str(latest)]
    alias = (version.get("config") or {}).get("alias") or version.get("alias") or f"{name}_v{latest}"
    return _table(name, alias, _version_columns(model, version))


@lru_cache(maxsize=4)
def mart_contracts(marts_dir: Path = MARTS_DIR) -> dict[str, TableDefinition]:
    """Every mart with an enforced contract, by model name."""
    marts = {}
    for model in _model_entries(marts_dir):
        contract = ((model.get("config") or {}).get("contract") or {}).get("enforced")
        if contract:
            marts[model["name"]] = _mart(model)
    return marts
