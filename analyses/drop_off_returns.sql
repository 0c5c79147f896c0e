-- Question: do users who drop after connecting come back, ever or within the return
-- window, and how long after connecting?
--
-- Reading the answer: one row per scope (in_scope / out_of_scope). dropped_users are
-- mature users who connected and never reached first value in their window;
-- returned_users started a later session (after the one in which they connected) by the
-- as-of time; returned_within_window_users did so within return_window_days of
-- connecting (the build's value, from activation_settings, is repeated in the
-- return_window_days column). The days_to_return columns are from connecting to the
-- first session of the user that started after connected_at (fct_sessions): a return is
-- a session, not a value event.
--
-- Settings: return_window_days, activation_window_days (who is dropped),
-- session_timeout_minutes (what a session is), in_scope_min_employees /
-- in_scope_max_employees.

with

users as (
    select * from {{ ref('fct_user_activation') }}
),

sessions as (
    select * from {{ ref('fct_sessions') }}
),

settings as (
    select * from {{ ref('activation_settings') }}
),

return_window as (
    select cast(value_in_force as {{ dbt.type_int() }}) as return_window_days
    from settings
    where setting_name = 'return_window_days'
),

dropped as (
    select
        user_id,
        is_in_scope,
        connected_at,
        as_of,
        returned_after_drop,
        returned_within_return_window
    from users
    where dropped_after_connection
),

first_return as (
    select
        dropped.user_id,
        min(sessions.started_at) as returned_at
    from dropped
    inner join sessions
        on dropped.user_id = sessions.user_id
        and dropped.connected_at < sessions.started_at
        and dropped.as_of >= sessions.started_at
    group by dropped.user_id
),

returns as (
    select
        dropped.is_in_scope,
        return_window.return_window_days,
        dropped.returned_after_drop,
        dropped.returned_within_return_window,
        {{ elapsed_days('dropped.connected_at', 'first_return.returned_at') }} as days_to_return
    from dropped
    cross join return_window
    left join first_return
        on dropped.user_id = first_return.user_id
)

select
    case when is_in_scope then 'in_scope' else 'out_of_scope' end as scope,
    return_window_days,
    count(*) as dropped_users,
    sum(case when returned_after_drop then 1 else 0 end) as returned_users,
    sum(case when returned_within_return_window then 1 else 0 end) as returned_within_window_users,
    {{ stat_to_double('sum(case when returned_after_drop then 1 else 0 end)') }}
    / {{ stat_to_double('count(*)') }} as returned_share,
    percentile_cont(0.5) within group (order by days_to_return) as median_days_to_return,
    percentile_cont(0.9) within group (order by days_to_return) as p90_days_to_return
from returns
group by
    is_in_scope,
    return_window_days
order by scope
