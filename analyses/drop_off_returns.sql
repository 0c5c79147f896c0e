-- Question: do users who drop after connecting come back, ever or within the return
-- window, and how long after connecting?
--
-- Reading the answer: one row per scope (in_scope / out_of_scope). dropped_users are
-- mature users who connected and never reached first value in their window;
-- returned_users started a later session (after the one in which they connected) by the
-- as-of time; returned_within_window_users did so within return_window_days of
-- connecting (the build's value, from activation_settings, is repeated in the
-- return_window_days column). The days_to_return columns are fct_user_activation's:
-- exact days from connecting to the first session after the connecting one (a return is
-- a session, not a value event).
--
-- Settings: return_window_days, activation_window_days (who is dropped),
-- session_timeout_minutes (what a session is), in_scope_min_employees /
-- in_scope_max_employees.

with

users as (
    select * from {{ ref('fct_user_activation') }}
),

return_window as (
    {{ setting_in_force('return_window_days', dbt.type_int()) }}
),

dropped as (
    select
        user_id,
        is_in_scope,
        returned_after_drop,
        returned_within_return_window,
        days_to_return
    from users
    where dropped_after_connection
),

returns as (
    select
        dropped.is_in_scope,
        return_window.return_window_days,
        dropped.returned_after_drop,
        dropped.returned_within_return_window,
        dropped.days_to_return
    from dropped
    cross join return_window
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
