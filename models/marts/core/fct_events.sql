-- The clean events: one row per event_id that passed every cleaning rule, first
-- delivery kept, identity resolved, user actions placed in their session. The grain
-- every event metric counts from.
--
-- Incremental (docs/incremental-builds.md; delete+insert on event_id): a run rewrites
-- the events whose row in int_events__resolved or int_events__sessionized was written
-- since this table was. Those models stamp each run's rows (loaded_through) with the
-- latest clean received_at, or a moment past their previous stamp when none arrived, so
-- every row written after this table's last run carries a stamp later than the latest
-- received_at here, which is this table's loaded_through in its run window (int_run_window).
-- Clean event_ids never disappear, so no row here needs deleting.

{{
    config(
        materialized=event_grain_materialization(),
        incremental_strategy='delete+insert',
        unique_key='event_id',
        on_schema_change='fail'
    )
}}

{{- run_window_dependency() }}

with

{% if is_incremental() %}
    rewritten_events as (
        select event_id
        from {{ ref('int_events__resolved') }}
        where loaded_through > {{ run_window('loaded_through') }}

        union

        select event_id
        from {{ ref('int_events__sessionized') }}
        where loaded_through > {{ run_window('loaded_through') }}
    ),

{% endif %}

events as (
    select * from {{ ref('int_events__resolved') }}
    {%- if is_incremental() %}
    where event_id in (select event_id from rewritten_events)
    {%- endif %}
),

sessionized as (
    select
        event_id,
        session_id
    from {{ ref('int_events__sessionized') }}
    {%- if is_incremental() %}
    where event_id in (select event_id from rewritten_events)
    {%- endif %}
),

final as (
    select
        events.event_id,
        events.event_name,
        events.occurred_at,
        events.received_at,
        events.user_id,
        events.anonymous_id,
        events.account_id,
        sessionized.session_id,
        events.is_identified_from_anonymous_id,
        events.is_user_action,
        events.is_in_tracking_plan,
        events.has_valid_properties,
        events.properties,
        events.connection_id,
        events.source_type,
        events.error_code,
        events.is_test_account,
        events.is_internal_user,
        events.is_excluded_from_metrics
    from events
    left join sessionized
        on events.event_id = sessionized.event_id
)

select * from final
