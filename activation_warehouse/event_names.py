"""The event-name normalisation rule, read from the dbt macro that staging applies.

The spec's rule (trim, lower case, every run of spaces, underscores or dashes becomes one
``_``, blank becomes null) is written once, in ``macros/cleaning/text.sql``: the macro
``event_name_rule()`` returns its pattern and joiner, and ``normalize_event_name`` applies
them. Python needs the same rule on raw text (the Great Expectations suite of
``raw.events``, the tests that break demo data by event name), so it reads those two values
from the macro file instead of restating them; ``tests/python/test_event_name_rule.py``
compiles the macro with dbt and proves that it and :func:`normalized_event_name_sql` give
the same name on a table of tricky inputs.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from activation_warehouse.paths import PROJECT_DIR

#: The macro file that holds the rule.
RULE_FILE = PROJECT_DIR / "macros" / "cleaning" / "text.sql"

# The body of `event_name_rule()`: `{{ return({...}) }}` with a literal dict.
_RULE_MACRO = re.compile(
    r"{%-?\s*macro\s+event_name_rule\(\)\s*-?%}\s*{{\s*return\((?P<rule>{.*?})\)\s*}}", re.DOTALL
)


@dataclass(frozen=True)
class EventNameRule:
    """The two values of the rule: the regular expression of a separator run and what
    replaces each run."""

    separators: str
    joiner: str


@lru_cache(maxsize=4)
def event_name_rule(rule_file: Path = RULE_FILE) -> EventNameRule:
    """The rule as the macro file writes it (Jinja and Python read these quoted strings
    the same way: ``'[\\\\s_-]+'`` is the regex ``[\\s_-]+`` in both)."""
    text = rule_file.read_text(encoding="utf-8")
    match = _RULE_MACRO.search(text)
    if match is None:
        raise ValueError(f"{rule_file}: no macro event_name_rule() returning a literal dict")
    try:
        values = ast.literal_eval(match.group("rule"))
        return EventNameRule(separators=str(values["separators"]), joiner=str(values["joiner"]))
    except (ValueError, SyntaxError, KeyError, TypeError) as error:
        raise ValueError(f"{rule_file}: event_name_rule() is not a dict of separators and joiner") from error


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def normalized_event_name_sql(column: str, rule: EventNameRule | None = None) -> str:
    """The DuckDB SQL of the normalised name of `column` (an expression), shaped as the
    macro's DuckDB rendering: ``nullif(regexp_replace(lower(trim(x)), pattern, joiner, 'g'), '')``."""
    rule = rule or event_name_rule()
    replaced = f"regexp_replace(lower(trim({column})), {_sql_string(rule.separators)}, {_sql_string(rule.joiner)}, 'g')"
    return f"nullif({replaced}, '')"
