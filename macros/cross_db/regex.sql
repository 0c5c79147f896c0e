{#- Regular expressions differ by engine; every model reaches them through these. -#}

{#- True when the whole of `text` matches `pattern` (null when text is null). -#}
{% macro regex_full_match(text, pattern) -%}
    {{ return(adapter.dispatch('regex_full_match', 'activation_warehouse')(text, pattern)) }}
{%- endmacro %}

{% macro default__regex_full_match(text, pattern) -%}
    ({{ text }} ~ '^(?:{{ pattern }})$')
{%- endmacro %}

{% macro duckdb__regex_full_match(text, pattern) -%}
    regexp_full_match({{ text }}, '{{ pattern }}')
{%- endmacro %}

{#- Spark unescapes backslashes in string literals: each is doubled to reach the regex. -#}
{% macro spark__regex_full_match(text, pattern) -%}
    ({{ text }} rlike '^(?:{{ pattern | replace('\\', '\\\\') }})$')
{%- endmacro %}

{#- Replaces every match (DuckDB and PostgreSQL replace only the first without 'g'). -#}
{% macro regex_replace_all(text, pattern, replacement) -%}
    {{ return(adapter.dispatch('regex_replace_all', 'activation_warehouse')(text, pattern, replacement)) }}
{%- endmacro %}

{% macro default__regex_replace_all(text, pattern, replacement) -%}
    regexp_replace({{ text }}, '{{ pattern }}', '{{ replacement }}', 'g')
{%- endmacro %}

{% macro spark__regex_replace_all(text, pattern, replacement) -%}
    regexp_replace({{ text }}, '{{ pattern | replace('\\', '\\\\') }}', '{{ replacement }}')
{%- endmacro %}
