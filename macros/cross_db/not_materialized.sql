{#- Written between a CTE's `as` and its body (`name as {{ not_materialized() }} (`): the
    engine inlines the CTE into each part of the query that reads it rather than storing
    its rows once. DuckDB and PostgreSQL (12 and later) store a CTE that two parts read;
    for a cheap join or scan over millions of rows, storing them costs more than computing
    them twice (experiment_results' exposures at 10M short-journey events: 3.6-4.2
    CPU-seconds with the CTE stored, 2.3-2.5 inlined; docs/performance.md, "A CTE that two
    parts of a query read"). Elsewhere nothing: Spark inlines every CTE and has no such
    keyword, and an engine not known here gets plain SQL. -#}
{% macro not_materialized() -%}
    {{ return(adapter.dispatch('not_materialized', 'activation_warehouse')()) }}
{%- endmacro %}

{% macro default__not_materialized() -%}
{%- endmacro %}

{% macro duckdb__not_materialized() -%}
    not materialized
{%- endmacro %}

{% macro postgres__not_materialized() -%}
    not materialized
{%- endmacro %}
