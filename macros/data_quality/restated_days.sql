{#- The raw received days found restated (rows deleted, replaced or altered after a build
    had read them), as a select of one date column `received_date` and the data clock at
    detection `detected_through`, from history.raw_event_restatements, which the
    restatement check (on-run-start, detect_raw_restatement) fills. The data-quality marts
    judge these days like new ones. Before the table exists (a first build, or parsing),
    an empty select of the same two typed columns. -#}
{% macro dq_restated_days() -%}
    {%- set relation = history_relation('raw_event_restatements') -%}
    {%- set found = adapter.get_relation(
        database=relation.database, schema=relation.schema, identifier=relation.identifier
    ) if execute else none -%}
    {%- if found is not none %}
    select
        received_date,
        detected_through
    from {{ found }}
    {%- else %}
    select
        cast(null as date) as received_date,
        cast(null as {{ dbt.type_timestamp() }}) as detected_through
    where 1 = 0
    {%- endif %}
{%- endmacro %}
