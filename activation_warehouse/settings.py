"""The settings registry, read from Python: every dbt var's type, bounds, default, unit and
meaning, from the one place they are written (``macros/config/settings.sql``).

dbt reads the registry as a macro; Python cannot run the macro, and dbt's Jinja cannot read
a file, so the macro holds the registry as one plain YAML block that both parse. Python
uses it where no build is at hand (the settings table of docs/settings.md, a report on a warehouse
built before the settings mart existed); what a *build* used is in ``marts.activation_settings``
(see :func:`read_settings_in_force`), which is what the report shows.

``python -m activation_warehouse.settings`` rewrites the settings table of docs/settings.md from the
registry (``--check`` only says whether it is current; tests/python/test_settings.py runs it).
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import yaml

from activation_warehouse.paths import PROJECT_DIR

REGISTRY_PATH = PROJECT_DIR / "macros" / "config" / "settings.sql"
README_PATH = PROJECT_DIR / "docs" / "settings.md"
#: The relation each build writes the values in force to.
SETTINGS_MART = "marts.activation_settings"
#: The generated table of docs/settings.md sits between these two lines.
README_START = "<!-- settings table: generated from macros/config/settings.sql by `python -m activation_warehouse.settings` -->"
README_END = "<!-- end of settings table -->"

_YAML_BLOCK = re.compile(r"\{%-?\s*set settings_yaml\s*-?%\}(.*?)\{%-?\s*endset\s*-?%\}", re.S)


class SettingsError(RuntimeError):
    """The registry cannot be read, or names an unknown setting."""


@dataclass(frozen=True)
class Setting:
    """One registry entry (the fields of macros/config/settings.sql)."""

    name: str
    type: str
    default: Any
    unit: str
    meaning: str
    minimum: float | None = None
    maximum: float | None = None
    at_most: str | None = None
    #: The only values an identifier may take (a collector name); empty: any identifier.
    choices: tuple[str, ...] = ()

    def parse(self, text: str | None) -> Any:
        """A value as the settings mart stores it (text) back in this setting's type."""
        return parse_value(self.type, text)

    @property
    def allowed(self) -> str:
        """The values this setting accepts, in words (the bounds validate_vars checks)."""
        if self.type in ("integer", "number"):
            low = "" if self.minimum is None else _plain(self.minimum)
            high = "" if self.maximum is None else _plain(self.maximum)
            kind = "an integer" if self.type == "integer" else "a number"
            span = f"{low} to {high}" if low and high else (f"at least {low}" if low else f"at most {high}" if high else "any")
            text = f"{kind}, {span}"
        else:
            text = {
                "date": "a date YYYY-MM-DD",
                "identifier": ("one of " + ", ".join(f"`{c}`" for c in self.choices)) if self.choices
                else "an identifier (letters, digits, _)",
                "text": "a non-empty text",
                "timestamp_or_null": "null, a date or YYYY-MM-DD HH:MM:SS",
            }.get(self.type, self.type)
        return text + (f"; at most `{self.at_most}`" if self.at_most else "")


def _plain(value: Any) -> str:
    """A number as the docs write it: 0.4, 14, 6.0 stays 6.0 only when it is not whole."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def parse_value(value_type: str, text: str | None) -> Any:
    """Text of the settings mart (or a registry default) in the setting's own type."""
    if text is None:
        return None
    if value_type == "integer":
        return int(text)
    if value_type == "number":
        return float(text)
    return str(text)


def load_registry(path: Path = REGISTRY_PATH) -> tuple[Setting, ...]:
    """Every setting, in registry order, from the YAML block of the registry macro."""
    match = _YAML_BLOCK.search(path.read_text(encoding="utf-8"))
    if not match:
        raise SettingsError(f"{path}: no `set settings_yaml` block found")
    entries = yaml.safe_load(match.group(1))
    return tuple(
        Setting(
            name=entry["name"], type=entry["type"], default=entry.get("default"), unit=entry["unit"],
            meaning=" ".join(str(entry["meaning"]).split()), minimum=entry.get("min"), maximum=entry.get("max"),
            at_most=entry.get("at_most"), choices=tuple(entry.get("choices") or ()),
        )
        for entry in entries
    )


def registry_setting(name: str, registry: tuple[Setting, ...] | None = None) -> Setting:
    """One setting by name; an unknown name raises (a typo must not read as a default)."""
    for setting in registry if registry is not None else load_registry():
        if setting.name == name:
            return setting
    raise SettingsError(f"unknown setting {name!r}: not in {REGISTRY_PATH.relative_to(PROJECT_DIR)}")


def default(name: str) -> Any:
    """The registry's default of one setting."""
    return registry_setting(name).default


@dataclass(frozen=True)
class SettingInForce:
    """One row of marts.activation_settings: what a build used."""

    name: str
    value: Any
    default: Any
    differs_from_default: bool


def read_settings_in_force(connection: duckdb.DuckDBPyConnection) -> dict[str, SettingInForce]:
    """The values a build used, typed, by name, from marts.activation_settings (the caller
    checks that the table exists)."""
    rows = connection.execute(
        f"select setting_name, value_type, value_in_force, default_value, differs_from_default"
        f" from {SETTINGS_MART} order by setting_order"
    ).fetchall()
    return {
        name: SettingInForce(name, parse_value(kind, value), parse_value(kind, default_text), bool(differs))
        for name, kind, value, default_text, differs in rows
    }


def recorded_value(warehouse: Path, name: str) -> Any:
    """The value a build of `warehouse` used for one setting (marts.activation_settings),
    else the registry default when that mart is absent (no build yet, or an older one), so a
    tool run after a build (validate) follows a `--vars` the build was given."""
    setting = registry_setting(name)
    try:
        with duckdb.connect(str(warehouse), read_only=True) as connection:
            schema, table = SETTINGS_MART.split(".")
            exists = connection.execute(
                "select count(*) from duckdb_tables() where schema_name = ? and table_name = ?", [schema, table]
            ).fetchall()[0][0]
            if exists:
                return read_settings_in_force(connection)[name].value
    except (duckdb.Error, KeyError):
        pass
    return setting.default


# --------------------------------------------------------------------------- README


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|")


def markdown_table(registry: tuple[Setting, ...] | None = None) -> str:
    """The settings table of docs/settings.md: one row per setting, in registry order."""
    lines = ["| var | default | unit | allowed | meaning |", "|---|---|---|---|---|"]
    for setting in registry if registry is not None else load_registry():
        shown = "null" if setting.default is None else _plain(setting.default)
        lines.append(
            f"| `{setting.name}` | {_cell(shown)} | {_cell(setting.unit)} | {_cell(setting.allowed)} | {_cell(setting.meaning)} |"
        )
    return "\n".join(lines)


def readme_with_table(readme: str, table: str) -> str:
    """The README text with the block between the markers replaced by `table`."""
    start, end = readme.find(README_START), readme.find(README_END)
    if start < 0 or end < start:
        raise SettingsError("docs/settings.md has no settings table markers")
    return readme[: start + len(README_START)] + "\n" + table + "\n" + readme[end:]


def main(argv: list[str] | None = None) -> int:
    """Rewrite (or with --check, only compare) the settings table of docs/settings.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the README's table is not the registry's")
    args = parser.parse_args(argv)
    readme = README_PATH.read_text(encoding="utf-8")
    wanted = readme_with_table(readme, markdown_table())
    if wanted == readme:
        print("docs/settings.md settings table is current")
        return 0
    if args.check:
        print("docs/settings.md settings table differs from the registry: run python -m activation_warehouse.settings", file=sys.stderr)
        return 1
    README_PATH.write_text(wanted, encoding="utf-8")
    print("docs/settings.md settings table rewritten from the registry")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
