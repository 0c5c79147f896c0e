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
-- Clean event_ids never disappear, so no row here needs deleting. When neither wrote a
-- row since, the run writes nothing without reading the events.

{{
    config(
        materialized=event_grain_materialization(),
        incremental_strategy='delete+insert',
        unique_key='event_id',
        column_compression={'event_id': 'zstd'},
        on_schema_change='fail'
    )
}}

{{- run_window_dependency() }}

{#- An incremental run reads only the rewritten events (true: every event). #}
{%- set rewritten_only = 'event_id in (select event_id from rewritten_events)' if is_incremental() else 'true' %}

{#- Neither upstream model wrote a row since this table was: nothing to rewrite (macro
    has_rows_after_run_window). #}
{%- set nothing_rewritten = is_incremental()
    and not has_rows_after_run_window(ref('int_events__resolved'))
    and not has_rows_after_run_window(ref('int_events__sessionized')) %}

{#- The columns on each side of session_id, in the contract's order. #}
{%- set columns_before_session = [
    'event_id', 'event_name', 'occurred_at', 'received_at', 'user_id', 'anonymous_id', 'account_id'
] %}
{%- set columns_after_session = [
    'is_identified_from_anonymous_id', 'is_user_action', 'is_in_tracking_plan', 'has_valid_properties',
    'properties', 'connection_id', 'source_type', 'error_code', 'is_test_account', 'is_internal_user',
    'is_excluded_from_metrics'
] %}

with

{% if is_incremental() %}
    rewritten_events as (
        select event_id
        from {{ ref('int_events__resolved') }}
        where {{ stamped_after_run_window() }}

        union

        select event_id
        from {{ ref('int_events__sessionized') }}
        where {{ stamped_after_run_window() }}
    ),

{% endif %}

-- Only user actions have a session (int_events__sessionized holds them alone), so only
-- they go through the join on event_id; the other events, over half, pass by it. At 100M
-- events under 3 GB the join's hash table does not fit, and every row probing it was
-- spilled with it, properties and all. Each branch reads the table itself: a CTE read
-- twice would be materialised whole (docs/performance.md).
user_actions as (
    select * from {{ ref('int_events__resolved') }}
    where is_user_action and {{ rewritten_only }}
),

-- The other events are rewritten exactly when int_events__resolved stamped them since
-- this table was written: int_events__sessionized writes user actions alone, cut from
-- int_events__resolved's rows as they were when it ran, so for an event that is no action
-- now to have a session row rewritten since, its own row must have changed (and been
-- stamped) since. The stamp is a condition a scan checks per block (DuckDB's min/max),
-- where comparing all 10M event ids with the rewritten ones read every id.
other_events as (
    select * from {{ ref('int_events__resolved') }}
    where not is_user_action and {{ stamped_after_run_window() if is_incremental() else 'true' }}
),

sessionized as (
    select
        event_id,
        session_id
    from {{ ref('int_events__sessionized') }}
    where {{ rewritten_only }}
),

user_actions_in_sessions as (
    select
        user_actions.{{ columns_before_session | join(', user_actions.') }},
        sessionized.session_id,
        user_actions.{{ columns_after_session | join(', user_actions.') }}
    from user_actions
    left join sessionized
        on user_actions.event_id = sessionized.event_id
),

other_events_without_session as (
    select
        {{ columns_before_session | join(', ') }},
        cast(null as {{ dbt.type_string() }}) as session_id,
        {{ columns_after_session | join(', ') }}
    from other_events
),

{% if nothing_rewritten %}
    -- No event to rewrite: the run writes no row, and the CTEs above go unread (the
    -- engine would otherwise read every event to find none).
    final as (
        {{ empty_write() | indent(8) }}
    )

{% else %}
    final as (
        select * from user_actions_in_sessions
        union all
        select * from other_events_without_session
    )

{% endif %}

select * from final
