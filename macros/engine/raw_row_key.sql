{#- A key of each raw event row that one query can read on several scans and join on:
    DuckDB's rowid of the raw events table (stable within a statement: every scan of it
    reads the same snapshot).

    Why: int_events__classified ranks the deliveries of each event_id to keep the first.
    Ranked in one window over every row, the whole wide row (raw and cleaned halves, the
    properties) goes through the window's sort: at 10M events about 20 of the model's
    27 s. With a row key it ranks only the rows whose id repeats (about 4% of them), and
    joins the ranks back by the key, so the wide rows are never sorted: 19 s in a run, the
    same rows (docs/performance-log.md, "Fifth session of 2026-12-05").

    There is no such key on PostgreSQL and Spark (none stable across scans that a join
    can use cheaply), on a raw.events that is a view (a loader may expose files so), or
    with a collector's mapped tracks: the key is then null and the model ranks every row
    in one window, with the same results. -#}

{#- Whether stg_tracker__events carries the key and int_events__classified ranks by it. -#}
{% macro raw_row_key_is_available() -%}
    {{ return(adapter.dispatch('raw_row_key_is_available', 'activation_warehouse')()) }}
{%- endmacro %}

{% macro default__raw_row_key_is_available() -%}
    {{ return(false) }}
{%- endmacro %}

{% macro duckdb__raw_row_key_is_available() -%}
    {%- if not execute or collector_is_chosen() -%}
        {{ return(false) }}
    {%- endif -%}
    {#- A unit test's inputs are a fixture's rows, which give the key themselves (the
        tests of the ranking do), whatever raw.events is in the warehouse meanwhile. -#}
    {%- if model.resource_type == 'unit_test' -%}
        {{ return(true) }}
    {%- endif -%}
    {%- set node = graph.sources.get('source.activation_warehouse.tracker.events') -%}
    {%- set relation = adapter.get_relation(
        database=node.database, schema=node.schema, identifier=node.identifier
    ) if node else none -%}
    {{ return(relation is not none and relation.is_table) }}
{%- endmacro %}

{#- The key's expression in stg_tracker__events, over its source: null where there is
    none; in a unit test, whose source rows are a fixture; and when dbt reads the source
    through a subquery rather than by name (`--empty`, `--sample`), which has no rowid
    either (a build so limited has no rows to rank). -#}
{% macro raw_row_key() -%}
    {%- if raw_row_key_is_available() and model.resource_type != 'unit_test'
        and (event_rows() | string) == event_rows().render() -%}
        rowid
    {%- else -%}
        cast(null as {{ dbt.type_bigint() }})
    {%- endif -%}
{%- endmacro %}
