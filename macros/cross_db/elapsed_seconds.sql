{#- Exact elapsed time from `start_at` to `end_at` in seconds (a double; negative when
    end is earlier). Durations in this project are never a count of minute or day
    boundaries crossed, which is what `datediff` returns on several engines. -#}
{% macro elapsed_seconds(start_at, end_at) -%}
    {{ return(adapter.dispatch('elapsed_seconds', 'activation_warehouse')(start_at, end_at)) }}
{%- endmacro %}

{% macro default__elapsed_seconds(start_at, end_at) -%}
    (extract(epoch from ({{ end_at }})) - extract(epoch from ({{ start_at }})))
{%- endmacro %}

{#- PostgreSQL's extract(epoch) is numeric: the exact difference, then one cast to double. -#}
{% macro postgres__elapsed_seconds(start_at, end_at) -%}
    cast(extract(epoch from (({{ end_at }}) - ({{ start_at }}))) as double precision)
{%- endmacro %}

{% macro duckdb__elapsed_seconds(start_at, end_at) -%}
    ((epoch_us({{ end_at }}) - epoch_us({{ start_at }})) / 1000000.0)
{%- endmacro %}

{#- Spark reads 1000000.0 as a decimal and would give a decimal: the difference is cast to
    double first, so the result is a double as on DuckDB. -#}
{% macro spark__elapsed_seconds(start_at, end_at) -%}
    (cast(unix_micros({{ end_at }}) - unix_micros({{ start_at }}) as double) / 1000000.0)
{%- endmacro %}

{#- Exact elapsed minutes (seconds / 60). -#}
{% macro elapsed_minutes(start_at, end_at) -%}
    ({{ elapsed_seconds(start_at, end_at) }} / 60.0)
{%- endmacro %}

{#- Exact elapsed days (seconds / 86400). -#}
{% macro elapsed_days(start_at, end_at) -%}
    ({{ elapsed_seconds(start_at, end_at) }} / 86400.0)
{%- endmacro %}
