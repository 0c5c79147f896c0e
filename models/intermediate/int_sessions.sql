-- One row per session of user actions, aggregated from int_events__sessionized (see it
-- for the rule). A person is a resolved user, else an anonymous id.
--
-- Incremental (README, "Incremental builds"; delete+insert on session_id): a run
-- aggregates again every session holding an action int_events__sessionized wrote since
-- this model last ran (it rewrites every action of a session it cuts again), and the
-- sessions of users whose account changed in raw.users. A session whose id no longer
-- holds any action (merged into another, or its first action changed) is written as a
-- row without a start (a tombstone) that the post-hook removes.

{{
    config(
        materialized=event_grain_materialization(),
        incremental_strategy='delete+insert',
        unique_key='session_id',
        on_schema_change='fail',
        post_hook="{{ delete_tombstones('started_at') }}"
    )
}}

{{- run_window_dependency() }}

with

loaded as (
    select max(loaded_through) as loaded_through
    from {{ ref('int_events__sessionized') }}
),

users as (
    select
        user_id,
        account_id
    from {{ ref('stg_app__users') }}
),

{% if is_incremental() %}
    -- The previous build is read from this model's own table where each step needs it.
    touched_sessions as (
        select session_id
        from {{ ref('int_events__sessionized') }}
        where {{ stamped_after_run_window() }}

        union

        select previous.session_id
        from {{ this }} as previous
        left join users
            on previous.user_id = users.user_id
        where previous.account_id is distinct from coalesce(users.account_id, previous.first_account_id)
    ),

    sessionized as (
        select *
        from {{ ref('int_events__sessionized') }}
        where session_id in (select session_id from touched_sessions)
    ),

{% else %}
    sessionized as (
        select * from {{ ref('int_events__sessionized') }}
    ),

{% endif %}

aggregated as (
    select
        session_id,
        max(person_type) as person_type,
        max(person_id) as person_id,
        min(occurred_at) as started_at,
        max(occurred_at) as ended_at,
        count(*) as event_count,
        max(case when is_excluded_from_metrics then 1 else 0 end) = 1 as is_excluded_from_metrics,
        -- The account of the session's first action, which keeps it when the user has none.
        {{ first_value_by('account_id', 'occurred_at, event_id') }} as first_account_id
    from sessionized
    group by session_id
),

-- The person id is the user_id of a user's session and the anonymous_id of an anonymous one.
aggregated_with_ids as (
    select
        *,
        case when person_type = 'user' then person_id end as user_id,
        case when person_type = 'anonymous' then person_id end as anonymous_id
    from aggregated
),

sessions as (
    select
        aggregated_with_ids.session_id,
        aggregated_with_ids.person_type,
        aggregated_with_ids.user_id,
        aggregated_with_ids.anonymous_id,
        coalesce(users.account_id, aggregated_with_ids.first_account_id) as account_id,
        aggregated_with_ids.started_at,
        aggregated_with_ids.ended_at,
        {{ elapsed_minutes('aggregated_with_ids.started_at', 'aggregated_with_ids.ended_at') }} as duration_minutes,
        aggregated_with_ids.event_count,
        aggregated_with_ids.is_excluded_from_metrics,
        aggregated_with_ids.first_account_id
    from aggregated_with_ids
    left join users
        on aggregated_with_ids.user_id = users.user_id
),

{% if is_incremental() %}
    -- Sessions of the last build whose id holds no action any more: tombstones (macro
    -- tombstone_columns), deleted by the post-hook.
    tombstones as (
        select {{ tombstone_columns('session_id') }}
        from {{ this }} as previous
        where not exists (
            select 1
            from {{ ref('int_events__sessionized') }} as current_actions
            where current_actions.session_id = previous.session_id
        )
    ),

    written as (
        select * from sessions
        union all
        select * from tombstones
    ),

{% else %}
    written as (
        select * from sessions
    ),

{% endif %}

final as (
    select
        written.session_id,
        written.person_type,
        written.user_id,
        written.anonymous_id,
        written.account_id,
        written.started_at,
        written.ended_at,
        written.duration_minutes,
        written.event_count,
        written.is_excluded_from_metrics,
        -- Bookkeeping of the incremental build: the first action's own account (the
        -- fallback when the user has none) and the upstream rows consumed.
        written.first_account_id,
        loaded.loaded_through
    from written
    cross join loaded
)

select * from final
