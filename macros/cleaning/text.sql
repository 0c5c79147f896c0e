{#- Text cleaning rules shared by the staging models. -#}

{#- Empty or blank text counts as missing (the spec: "empty strings count as null"). The
    value itself is kept untrimmed: ids are compared exactly as the tracker sent them. -#}
{% macro blank_to_null(column) -%}
    case when trim({{ column }}) = '' then null else {{ column }} end
{%- endmacro %}

{#- Event names: trimmed, lower case, every run of spaces, underscores or dashes becomes
    one `_`, so `Data Source Connected`, `data-source-connected` and `dashboard _created`
    meet their tracking-plan names. Blank names become null. -#}
{% macro normalize_event_name(column) -%}
    nullif({{ regex_replace_all('lower(trim(' ~ column ~ '))', '[\\s_-]+', '_') }}, '')
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
