{#- One row's number from `columns` (SQL expressions; a table alias alone stands for the
    whole row), whose sum over a table changes when any row is added, dropped or edited.
    Read by the restatement check (every contract column of raw.events, per received day)
    and by the fingerprints of kept tables (every column of a seed or an app table). -#}
{% macro row_hash(columns) -%}
    {{ return(adapter.dispatch('row_hash', 'activation_warehouse')(columns)) }}
{%- endmacro %}

{#- DuckDB: its 64-bit hash of all columns at once (null has a hash of its own). -#}
{% macro duckdb__row_hash(columns) -%}
    cast(hash({{ columns | join(', ') }}) as hugeint)
{%- endmacro %}

{#- PostgreSQL: md5 of the row's text form (null and '' differ there), its first 60 bits. -#}
{% macro postgres__row_hash(columns) -%}
    cast(('x' || substr(md5(cast(row({{ columns | join(', ') }}) as text)), 1, 15))::bit(60) as bigint)
{%- endmacro %}

{#- Spark: xxhash64 skips nulls, so each column's nullness is hashed beside it; decimal
    before summing, as a bigint sum overflows (an error under ANSI mode). -#}
{% macro spark__row_hash(columns) -%}
    {%- set parts = [] -%}
    {%- for column in columns -%}
        {%- do parts.append(column) -%}
        {%- do parts.append(column ~ ' is null') -%}
    {%- endfor -%}
    cast(xxhash64({{ parts | join(', ') }}) as decimal(38, 0))
{%- endmacro %}

{#- Another engine needs a dispatch of its own: say so, rather than compare nothing. -#}
{% macro default__row_hash(columns) -%}
    {{ exceptions.raise_compiler_error(
        "No row hash for engine '" ~ target.type ~ "': add a " ~ target.type
        ~ "__row_hash macro (macros/cross_db/row_hash.sql)."
    ) }}
{%- endmacro %}
