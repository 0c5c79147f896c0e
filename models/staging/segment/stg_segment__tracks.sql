-- A collector's track calls (Segment's warehouse schema; RudderStack writes the same
-- shape) mapped onto the raw contract's events, so stg_tracker__events cleans and judges
-- them like raw.events rows. Built only when event_collector is segment or rudderstack
-- (docs/pipelines.md): the default build reads raw.events and never sees this model.
--   event_id     tracks.id (the message id; a retry repeats it, as in raw.events)
--   event_name   tracks.event (the collector's snake_case name; normalised downstream)
--   account_id   tracks.context_group_id when the table has it (context.groupId, the
--                B2B account of a call), else null: events without one take their
--                user's account in int_events__resolved
--   occurred_at  tracks.timestamp (skew-corrected by the collector) as ISO-8601 UTC text
--   properties   the event's own table's property columns as a JSON object text, joined
--                on id and received_at (the same message in both tables); null when the
--                event has no table yet

{#- It reads the collector's per-event tables, found in its schema, which no source() names,
    so no table that reads it is kept unchanged (macro fingerprint_input_signatures). -#}
{{ config(enabled=collector_is_chosen(), meta={'reads_unlisted_tables': true}) }}

{%- set tracks_relation = source('segment', 'tracks') %}
{%- set event_tables = collector_event_tables(tracks_relation) %}
{%- set has_group_id = collector_has_column(tracks_relation, 'context_group_id') %}

with

tracks as (
    select * from {{ tracks_relation }}
),

event_properties as (
    {%- for event_table in event_tables %}
        {%- set pairs = [] %}
        {%- for column_name in event_table.properties %}
            {%- do pairs.append((column_name | lower, adapter.quote(column_name))) %}
        {%- endfor %}
        select
            cast(id as {{ dbt.type_string() }}) as id,
            received_at,
            {{ json_object_text(pairs) }} as properties
        from {{ event_table.relation }}
        {{ "union all" if not loop.last }}
    {%- else %}
        select
            cast(null as {{ dbt.type_string() }}) as id,
            cast(null as {{ dbt.type_timestamp() }}) as received_at,
            cast(null as {{ dbt.type_string() }}) as properties
        where 1 = 0
    {%- endfor %}
),

final as (
    select
        tracks.received_at,
        event_properties.properties,
        cast(tracks.id as {{ dbt.type_string() }}) as event_id,
        cast(tracks.event as {{ dbt.type_string() }}) as event_name,
        cast(tracks.user_id as {{ dbt.type_string() }}) as user_id,
        cast(tracks.anonymous_id as {{ dbt.type_string() }}) as anonymous_id,
        {%- if has_group_id %}
            cast(tracks.context_group_id as {{ dbt.type_string() }}) as account_id,
        {%- else %}
            cast(null as {{ dbt.type_string() }}) as account_id,
        {%- endif %}
        {{ iso8601_utc_text('tracks.timestamp') }} as occurred_at
    from tracks
    left join event_properties
        on
        cast(tracks.id as {{ dbt.type_string() }}) = event_properties.id
        and tracks.received_at = event_properties.received_at
)

select
    event_id,
    event_name,
    user_id,
    anonymous_id,
    account_id,
    occurred_at,
    received_at,
    properties
from final
