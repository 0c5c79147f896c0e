{#- Whether the calling model runs incrementally now: dbt's own rule (its table exists and
    this is no full refresh), for `incremental` models and for `fingerprinted_incremental`
    ones (macros/materializations/fingerprinted_incremental.sql), which run dbt's
    incremental materialization when they are not kept. dbt's is_incremental() checks for
    the name `incremental` alone; this project's macro of the same name takes its place in
    every model and macro of the project. -#}
{% macro is_incremental() -%}
    {%- if not execute -%}
        {{ return(false) }}
    {%- endif -%}
    {%- if model.config.materialized != 'fingerprinted_incremental' -%}
        {{ return(dbt.is_incremental()) }}
    {%- endif -%}
    {%- set relation = adapter.get_relation(this.database, this.schema, this.table) -%}
    {{ return(relation is not none and relation.type == 'table' and not should_full_refresh()) }}
{%- endmacro %}
