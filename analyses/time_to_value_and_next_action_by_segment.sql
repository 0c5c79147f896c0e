-- Question: how long after connecting do users do something next, and reach first value,
-- and does it differ between those who activate and those who drop, by segment?
--
-- Reading the answer: for each segment (overall; scope; company size band; signup
-- channel; data source type), an `activated` row and a `dropped` row side by side, over
-- mature connected users. Time to next action is minutes from connecting to the first
-- user action after it; users_with_next_action says how many did anything at all (the
-- rest of `users` never acted again by the as-of time and are not in the percentiles).
-- Dropped users have no time to first value (null). A much longer time to next action
-- for dropped than for activated users means momentum is lost right after connecting.
-- For the trend by signup week see time_to_first_value_trend_by_signup_week.
--
-- Settings: activation_window_days (maturity, who is activated),
-- in_scope_min_employees / in_scope_max_employees (the scope segment).

with

time_to_action as (
    select * from {{ ref('activation_time_to_action') }}
)

select
    segment_type,
    segment_value,
    user_group,
    users,
    users_with_next_action,
    median_minutes_to_next_action,
    p75_minutes_to_next_action,
    p90_minutes_to_next_action,
    median_minutes_to_first_value,
    p75_minutes_to_first_value,
    p90_minutes_to_first_value
from time_to_action
order by
    case segment_type when 'overall' then 0 else 1 end,
    segment_type,
    segment_value,
    user_group
