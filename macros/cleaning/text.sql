{#- Text cleaning rules shared by the staging models. -#}

{#- Empty or blank text counts as missing (the spec: "empty strings count as null"). The
    value itself is kept untrimmed: ids are compared exactly as the tracker sent them. -#}
{% macro blank_to_null(column) -%}
    case when trim({{ column }}) = '' then null else {{ column }} end
{%- endmacro %}

{#- Event names: trimmed, lower case, every run of spaces, underscores or dashes becomes
    one `_`, so `Data Source Connected`, `data-source-connected` and `dashboard _created`
    meet their tracking-plan names. Blank names become null.
    The rule's pattern and joiner are written once, in event_name_rule(): Python reads them
    from this file (activation_warehouse/event_names.py, for the Great Expectations suite
    and the tests), and tests/python/test_event_name_rule.py proves that this macro and
    Python's SQL give the same name on a table of tricky inputs. Keep the return value a
    literal dict of two quoted strings: Python parses it. -#}
{% macro event_name_rule() -%}
    {{ return({'separators': '[\\s_-]+', 'joiner': '_'}) }}
{%- endmacro %}

{% macro normalize_event_name(column) -%}
    {%- set rule = event_name_rule() -%}
    nullif({{ regex_replace_all('lower(trim(' ~ column ~ '))', rule.separators, rule.joiner) }}, '')
{%- endmacro %}

{#- A stable fingerprint of a whole raw row, the last tie-break between duplicates. Nulls
    get a marker of their own so (null, 'a') and ('a', null) differ. -#}
{% macro row_fingerprint(columns) -%}
    {%- set parts = [] -%}
    {%- for column in columns -%}
        {%- if not loop.first -%}{%- do parts.append("'|'") -%}{%- endif -%}
        {%- do parts.append("coalesce(cast(" ~ column ~ " as " ~ dbt.type_string() ~ "), '<null>')") -%}
    {%- endfor -%}
    {{ dbt.hash(dbt.concat(parts)) }}
{%- endmacro %}
