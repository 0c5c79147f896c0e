-- What happened to each connected user after connecting, measured at the as-of time:
-- the first post-connection minutes, data readiness and sync failures of the connection,
-- the session that held the connection, and returns in later sessions (the last action is
-- fct_user_activation's). All durations are exact elapsed time. One row per connected
-- user in the metrics.

{%- set post_connection_seconds = setting('post_connection_minutes') * 60 %}

with

users as (
    select
        user_id,
        as_of
    from {{ ref('int_users') }}
),

milestone_state as (
    select * from {{ ref('int_users__milestone_state') }}
    where connected_at is not null
),

sessionized as (
    select
        event_id,
        session_id
    from {{ ref('int_events__sessionized') }}
),

-- Events that reach the activation milestone are the "value events".
value_event_names as (
    select distinct milestone_events.event_name
    from {{ ref('milestone_events') }} as milestone_events
    inner join {{ ref('milestones') }} as milestones
        on milestone_events.milestone_key = milestones.milestone_key
    where milestones.milestone_role = 'activation'
),

connected as (
    select
        milestone_state.user_id,
        milestone_state.connected_at,
        milestone_state.connection_event_id,
        milestone_state.connection_id,
        milestone_state.first_value_at,
        users.as_of
    from milestone_state
    inner join users
        on milestone_state.user_id = users.user_id
),

-- The user's own events after the connection, up to the as-of time; those in
-- (connected_at, connected_at + post_connection_minutes] are its first minutes. Each use
-- of an event table reads it itself, never through a CTE that two parts of the query
-- share: DuckDB and PostgreSQL materialise such a CTE whole, and at 100M events that
-- copy spilled more than 40 GB (docs/performance.md).
events_after_connection as (
    select
        connected.user_id,
        events.event_name,
        events.is_user_action,
        events.occurred_at,
        {{ elapsed_seconds('connected.connected_at', 'events.occurred_at') }} <= {{ post_connection_seconds }}
            as is_in_first_minutes,
        value_event_names.event_name is not null as is_value_event,
        connected.first_value_at
    from connected
    inner join {{ ref('int_events__resolved') }} as events
        on connected.user_id = events.user_id
        and connected.connected_at < events.occurred_at
        and connected.as_of >= events.occurred_at
    left join value_event_names
        on events.event_name = value_event_names.event_name
),

-- The next action: the first user action strictly after the connection (so never the
-- connection event itself, nor another action at the same instant), at or before the
-- as-of time; value or not, it shows whether the user kept going after connecting. Then
-- what the first minutes held.
after_connection as (
    select
        user_id,
        min(case when is_user_action then occurred_at end) as next_action_at,
        count(case when is_in_first_minutes and is_user_action then 1 end) as post_connection_actions,
        max(case when is_in_first_minutes and is_user_action and is_value_event then 1 else 0 end) = 1
            as had_value_event_post_connection,
        max(case when is_in_first_minutes and event_name = 'empty_state_viewed' then 1 else 0 end) = 1
            as saw_empty_state_post_connection,
        -- The drivers look only before first value: what came after it cannot explain it.
        max(case
            when is_in_first_minutes
                and event_name = 'empty_state_viewed'
                and (first_value_at is null or occurred_at <= first_value_at) then 1
            else 0
        end) = 1 as saw_empty_state_before_value_post_connection,
        max(case
            when is_in_first_minutes
                and event_name = 'template_gallery_viewed'
                and (first_value_at is null or occurred_at <= first_value_at) then 1
            else 0
        end) = 1 as viewed_template_gallery_before_value_post_connection
    from events_after_connection
    group by user_id
),

-- Backend events of the user's connection (they may carry no user id).
connection_events as (
    select
        connected.user_id,
        connected.connected_at,
        connected.first_value_at,
        events.event_id,
        events.event_name,
        events.occurred_at,
        events.error_code
    from connected
    inner join {{ ref('int_events__resolved') }} as events
        on connected.connection_id = events.connection_id
        and events.event_name in ('sync_completed', 'sync_failed')
        and connected.as_of >= events.occurred_at
),

readiness as (
    select
        user_id,
        min(case when event_name = 'sync_completed' then occurred_at end) as data_ready_at
    from connection_events
    group by user_id
),

sync_failures as (
    select
        connection_events.user_id,
        max(case
            when connection_events.occurred_at >= connection_events.connected_at
                and (
                    readiness.data_ready_at is null
                    or connection_events.occurred_at < readiness.data_ready_at
                ) then 1
            else 0
        end) = 1 as sync_failed_before_ready,
        max(case
            when connection_events.occurred_at > connection_events.connected_at
                and {{ elapsed_seconds('connection_events.connected_at', 'connection_events.occurred_at') }}
                <= {{ post_connection_seconds }} then 1
            else 0
        end) = 1 as had_sync_failed_post_connection
    from connection_events
    inner join readiness
        on connection_events.user_id = readiness.user_id
    where connection_events.event_name = 'sync_failed'
    group by connection_events.user_id
),

-- The first failure after connecting and before first value names the sync error.
first_sync_error as (
    select
        user_id,
        coalesce(error_code, 'unknown') as first_sync_error_code
    from (
        select
            user_id,
            error_code,
            row_number() over (partition by user_id order by occurred_at, event_id) as failure_rank
        from connection_events
        where
            event_name = 'sync_failed'
            and occurred_at >= connected_at
            and (first_value_at is null or occurred_at <= first_value_at)
    ) as failures
    where failure_rank = 1
),

connecting_session as (
    select
        connected.user_id,
        sessions.started_at as connecting_session_started_at,
        sessions.duration_minutes as connecting_session_minutes
    from connected
    inner join sessionized
        on connected.connection_event_id = sessionized.event_id
    inner join {{ ref('int_sessions') }} as sessions
        on sessionized.session_id = sessions.session_id
        and sessions.person_type = 'user'
),

returns as (
    select
        connecting_session.user_id,
        min(sessions.started_at) as returned_at
    from connecting_session
    inner join connected
        on connecting_session.user_id = connected.user_id
    inner join {{ ref('int_sessions') }} as sessions
        on connecting_session.user_id = sessions.user_id
        and sessions.person_type = 'user'
        and connecting_session.connecting_session_started_at < sessions.started_at
        and connected.as_of >= sessions.started_at
    group by connecting_session.user_id
),

final as (
    select
        connected.user_id,
        {{ elapsed_minutes('connected.connected_at', 'connected.first_value_at') }} as minutes_to_first_value,
        after_connection.next_action_at,
        {{ elapsed_minutes('connected.connected_at', 'after_connection.next_action_at') }} as minutes_to_next_action,
        coalesce(after_connection.post_connection_actions, 0) as post_connection_actions,
        coalesce(after_connection.had_value_event_post_connection, false) as had_value_event_post_connection,
        coalesce(after_connection.saw_empty_state_post_connection, false) as saw_empty_state_post_connection,
        coalesce(sync_failures.had_sync_failed_post_connection, false) as had_sync_failed_post_connection,
        coalesce(after_connection.saw_empty_state_before_value_post_connection, false)
            as saw_empty_state_before_value_post_connection,
        coalesce(after_connection.viewed_template_gallery_before_value_post_connection, false)
            as viewed_template_gallery_before_value_post_connection,
        readiness.data_ready_at,
        -- A backend clock a little behind the client's must not make readiness negative.
        case
            when readiness.data_ready_at is not null then
                greatest({{ elapsed_minutes('connected.connected_at', 'readiness.data_ready_at') }}, 0)
        end as data_ready_minutes,
        coalesce(sync_failures.sync_failed_before_ready, false) as sync_failed_before_ready,
        coalesce(first_sync_error.first_sync_error_code, 'none') as first_sync_error_code,
        connecting_session.connecting_session_minutes,
        returns.returned_at
    from connected
    left join after_connection
        on connected.user_id = after_connection.user_id
    left join readiness
        on connected.user_id = readiness.user_id
    left join sync_failures
        on connected.user_id = sync_failures.user_id
    left join first_sync_error
        on connected.user_id = first_sync_error.user_id
    left join connecting_session
        on connected.user_id = connecting_session.user_id
    left join returns
        on connected.user_id = returns.user_id
)

select * from final
