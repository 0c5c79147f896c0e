{#- A text value as a SQL string literal, so a label from a var or the registry stays data
    on every engine. PostgreSQL and DuckDB double a quote; Spark reads backslash escapes in
    literals and joins adjacent literals ('a''b' is 'ab' there), so it escapes both. -#}
{% macro sql_string_literal(text) -%}
    {{ return(adapter.dispatch('sql_string_literal', 'activation_warehouse')(text)) }}
{%- endmacro %}

{% macro default__sql_string_literal(text) -%}
    {{ return("'" ~ (text | string | replace("'", "''")) ~ "'") }}
{%- endmacro %}

{% macro spark__sql_string_literal(text) -%}
    {{ return("'" ~ (text | string | replace('\\', '\\\\') | replace("'", "\\'")) ~ "'") }}
{%- endmacro %}
