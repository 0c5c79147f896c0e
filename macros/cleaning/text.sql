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

{#- Most names arrive already normal (`page_viewed`): runs of [a-z0-9] joined by single
    joiners, which the rule leaves as they are. Such a name is recognised by one anchored
    match and kept, and only the others are rewritten: the rewrite (trim, lower, replace)
    cost about 2.3 CPU-seconds of every 10M events, the match 0.7 (docs/performance.md).
    The short cut holds for a rule whose separators are one character class (`[...]+`)
    holding no letter a-z or digit, and whose joiner is one character lower case leaves
    alone: in such a name a joiner is either no separator or a run of one that becomes
    itself. For any other rule every name is rewritten. -#}
{% macro normalize_event_name(column) -%}
    {%- set rule = event_name_rule() -%}
    {%- set rewritten = 'nullif(' ~ regex_replace_all('lower(trim(' ~ column ~ '))', rule.separators, rule.joiner) ~ ", '')" -%}
    {%- set normal_name = normal_event_name_pattern(rule) -%}
    {%- if normal_name -%}
        case when {{ regex_full_match(column, normal_name) }} then {{ column }} else {{ rewritten }} end
    {%- else -%}
        {{ rewritten }}
    {%- endif -%}
{%- endmacro %}

{#- The pattern of a name the rule leaves unchanged, or none when the rule is not of the
    shape that makes it safe (above). -#}
{% macro normal_event_name_pattern(rule) -%}
    {%- set re = modules.re -%}
    {%- set one_class = re.fullmatch('\\[[^\\]]+\\]\\+', rule.separators) -%}
    {%- set joiner_is_one = rule.joiner | length == 1 and rule.joiner | lower == rule.joiner -%}
    {%- set alnum_kept = one_class and not re.search(rule.separators, 'abcdefghijklmnopqrstuvwxyz0123456789') -%}
    {%- if joiner_is_one and alnum_kept -%}
        {{ return('[a-z0-9]+(' ~ re.escape(rule.joiner) ~ '[a-z0-9]+)*') }}
    {%- endif -%}
    {{ return(none) }}
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
