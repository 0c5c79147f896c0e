{#- How a projection mart is kept: a mart whose rows are another table's rows, or a join
    of tables the build writes anyway (no aggregate, no event table), so that writing it
    is a copy of what those tables hold.

    Which marts: version 1 of fct_user_activation and of activation_drivers (deprecated:
    version 2's rows under the old names, docs/bi.md), fct_sessions (int_sessions without
    its bookkeeping columns) and fct_user_milestones (each user of int_users once per
    milestone of the seed, with int_user_milestones' answer).

    On DuckDB such a mart is a view (fingerprinted_view: replaced only when its code
    changes). Built as a table it was copied whenever what it reads was rebuilt, which is
    every run with a new event: at 10M short-journey events 1.3 s of the path to
    fct_user_activation for version 1, and in each +1-day run about 6.5 s of model time for
    fct_user_milestones (4.8M rows) and 2.4 s for fct_sessions (docs/performance.md). A
    DuckDB view is bound when it is read, so a table it reads, rebuilt alone (dbt swaps in
    a new table and drops the old one), leaves the view reading the new table; the view
    names its tables without the database (macro projection_source), so it still resolves
    when the warehouse file is opened or attached under another name, as the publish
    command does. What a view gives up: DuckDB holds no constraint on it, so its primary
    key and not-null columns are proved by its data tests alone (the contract still checks
    its columns' names and types); and a reader pays the projection on each read
    (fct_user_milestones' join, about 0.4 s for every row at 10M short-journey events).

    Elsewhere it stays a table: on PostgreSQL dbt replaces a table with `drop ... cascade`,
    which would drop a view of it whenever that table alone is rebuilt; on Spark it was not
    measured, and a table is what was tested there. -#}
{% macro projection_materialization() -%}
    {{ return(adapter.dispatch('projection_materialization', 'activation_warehouse')()) }}
{%- endmacro %}

{% macro default__projection_materialization() -%}
    {{ return('fingerprinted_table') }}
{%- endmacro %}

{% macro duckdb__projection_materialization() -%}
    {{ return('fingerprinted_view') }}
{%- endmacro %}


{#- A relation a projection mart reads, named without its database (see above). -#}
{% macro projection_source(relation) -%}
    {{ return(relation.include(database=false)) }}
{%- endmacro %}
