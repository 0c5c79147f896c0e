{#- How a deprecated model version (version 1 of fct_user_activation and of
    activation_drivers: version 2's rows under the old names, docs/bi.md) is kept.

    On DuckDB it is a view of version 2 (fingerprinted_view: replaced only when its code
    changes). Built as a table it copied every row of version 2 on every build that rebuilt
    version 2: at 10M short-journey events 1.3 s on the path to fct_user_activation, where
    it is the last model, and 1.8 s of each +1-day run (docs/performance.md). A DuckDB view
    is bound when it is read, so rebuilding version 2 alone (dbt swaps in a new table and
    drops the old one) leaves the view reading the new table; the view names version 2
    without the database (macro deprecated_version_source), so it still resolves when the
    warehouse file is opened or attached under another name, as the publish command does.

    Elsewhere it stays a table: on PostgreSQL dbt drops the old version 2 with `cascade`,
    which would drop a view of it whenever version 2 alone is rebuilt; on Spark it was not
    measured, and a table is what was tested there. -#}
{% macro deprecated_version_materialization() -%}
    {{ return(adapter.dispatch('deprecated_version_materialization', 'activation_warehouse')()) }}
{%- endmacro %}

{% macro default__deprecated_version_materialization() -%}
    {{ return('fingerprinted_table') }}
{%- endmacro %}

{% macro duckdb__deprecated_version_materialization() -%}
    {{ return('fingerprinted_view') }}
{%- endmacro %}


{#- The latest version a deprecated version reads, named without its database (see above). -#}
{% macro deprecated_version_source(relation) -%}
    {{ return(relation.include(database=false)) }}
{%- endmacro %}
