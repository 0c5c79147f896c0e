{#- A UTC timestamp as strict ISO-8601 text with microseconds and a `Z`
    (2026-05-30T13:09:53.000000Z), the form parse_iso8601_utc accepts: a collector's
    already-parsed event time goes through the same parser as the raw contract's text. Null
    stays null. -#}
{% macro iso8601_utc_text(timestamp) -%}
    {{ return(adapter.dispatch('iso8601_utc_text', 'activation_warehouse')(timestamp)) }}
{%- endmacro %}

{% macro duckdb__iso8601_utc_text(timestamp) -%}
    strftime({{ timestamp }}, '%Y-%m-%dT%H:%M:%S.%fZ')
{%- endmacro %}

{% macro postgres__iso8601_utc_text(timestamp) -%}
    to_char({{ timestamp }}, 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
{%- endmacro %}

{% macro spark__iso8601_utc_text(timestamp) -%}
    date_format({{ timestamp }}, "yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'")
{%- endmacro %}
