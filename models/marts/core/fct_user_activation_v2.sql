-- One row per user in the metrics: their segments, milestones, activation and what
-- happened after they connected, at the as-of time. Version 2, the latest: no column name
-- carries a setting's value (fct_user_activation_v1.sql keeps the old names until its
-- deprecation date). Young users (window still open) are "in progress": never dropped,
-- never counted in a rate.

with

users as (
    select * from {{ ref('int_users') }}
),

milestone_state as (
    select * from {{ ref('int_users__milestone_state') }}
),

post_connection as (
    select * from {{ ref('int_users__post_connection') }}
),

as_of as (
    select as_of from {{ ref('int_as_of') }}
),

-- Each user's last user action at or before the as-of time (backend events do not count):
-- the clock of stalls, and what the user last did. Ties on the time go to the greater
-- event_id (the order (occurred_at, event_id) the sessions use), so the name is the same on
-- every build and engine. One aggregate per user (macro last_value_by), not a window
-- ranking every action: at 10M short-journey events the window was 3.9 s of this model's
-- 4.9 s (docs/performance.md).
user_actions as (
    select
        event_id,
        person_id as user_id,
        occurred_at
    from {{ ref('int_events__sessionized') }}
    where person_type = 'user'
),

event_names as (
    select
        event_id,
        event_name
    from {{ ref('int_events__resolved') }}
),

-- Per user, over their actions up to the as-of time (one time for every user, read from
-- int_as_of rather than from each user's row, so no action waits for a join to its user).
last_action_ids as (
    select
        user_actions.user_id,
        max(user_actions.occurred_at) as last_action_at,
        {{ last_value_by('user_actions.event_id', 'user_actions.occurred_at, user_actions.event_id') }}
            as last_action_event_id
    from user_actions
    where user_actions.occurred_at <= (select as_of.as_of from as_of)
    group by user_actions.user_id
),

last_action as (
    select
        last_action_ids.user_id,
        last_action_ids.last_action_at,
        event_names.event_name as last_action_name
    from last_action_ids
    left join event_names
        on last_action_ids.last_action_event_id = event_names.event_id
),

combined as (
    select
        users.user_id,
        users.account_id,
        users.signed_up_at,
        users.signup_cohort_week,
        users.company_size_band,
        users.signup_channel,
        users.is_in_scope,
        milestone_state.data_source_type,
        milestone_state.connected_at,
        milestone_state.connected_at is not null as is_connected,
        milestone_state.connection_id,
        milestone_state.first_value_at,
        milestone_state.first_value_at is not null as is_activated,
        users.is_mature,
        users.window_ends_at,
        users.as_of,
        post_connection.minutes_to_first_value,
        post_connection.next_action_at,
        post_connection.minutes_to_next_action,
        post_connection.post_connection_actions,
        post_connection.had_value_event_post_connection,
        post_connection.saw_empty_state_post_connection,
        post_connection.had_sync_failed_post_connection,
        post_connection.saw_empty_state_before_value_post_connection,
        post_connection.viewed_template_gallery_before_value_post_connection,
        post_connection.data_ready_minutes,
        post_connection.sync_failed_before_ready,
        post_connection.first_sync_error_code,
        post_connection.connecting_session_minutes,
        post_connection.returned_at,
        last_action.last_action_at,
        last_action.last_action_name,
        milestone_state.current_milestone,
        milestone_state.milestones_completed,
        milestone_state.milestones_applicable
    from users
    inner join milestone_state
        on users.user_id = milestone_state.user_id
    left join post_connection
        on users.user_id = post_connection.user_id
    left join last_action
        on users.user_id = last_action.user_id
),

final as (
    select
        user_id,
        account_id,
        signed_up_at,
        signup_cohort_week,
        company_size_band,
        signup_channel,
        is_in_scope,
        data_source_type,
        connected_at,
        is_connected,
        connection_id,
        first_value_at,
        is_activated,
        is_mature,
        window_ends_at,
        as_of,
        minutes_to_first_value,
        post_connection_actions,
        had_value_event_post_connection,
        saw_empty_state_post_connection,
        had_sync_failed_post_connection,
        saw_empty_state_before_value_post_connection,
        viewed_template_gallery_before_value_post_connection,
        data_ready_minutes,
        sync_failed_before_ready,
        first_sync_error_code,
        connecting_session_minutes,
        (is_mature and is_connected and not is_activated) as dropped_after_connection,
        case
            when is_mature and is_connected and not is_activated then returned_at is not null
        end as returned_after_drop,
        case
            when is_mature and is_connected and not is_activated then
                coalesce(
                    {{ elapsed_seconds('connected_at', 'returned_at') }}
                    <= {{ setting('return_window_days') }} * 86400,
                    false
                )
        end as returned_within_return_window,
        last_action_at,
        (
            is_connected
            and not is_activated
            and not is_mature
            and last_action_at is not null
            and {{ elapsed_seconds('last_action_at', 'as_of') }} >= {{ setting('stall_days') }} * 86400
        ) as is_stalled,
        current_milestone,
        milestones_completed,
        milestones_applicable,
        -- Added in version 2 (after the version-1 columns, so a BI tool reading by position
        -- keeps its columns): time to next action ...
        next_action_at,
        minutes_to_next_action,
        -- ... and the return itself, so no reader re-derives it from sessions.
        returned_at,
        {{ elapsed_days('connected_at', 'returned_at') }} as days_to_return,
        -- ... and what the user last did (the clock of stalls names its action).
        last_action_name
    from combined
)

select * from final
