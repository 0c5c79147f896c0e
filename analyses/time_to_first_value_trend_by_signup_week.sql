-- Question: is time to first value getting shorter, week by week, by the 20% the team
-- hopes for?
--
-- Reading the answer: one row per signup week (Monday, UTC), oldest first, over mature,
-- in-scope users who connected a data source. activated_users reached first value within
-- their window; median / p75 / p90_minutes_to_first_value are minutes from connecting to
-- first value (activation_time_to_action gives them per segment, over all scopes).
-- median_change_vs_four_weeks_earlier is this week's median over the median four
-- weeks earlier, minus 1: -0.20 or lower is the hoped-for 20% improvement; small weeks
-- (see activated_users) swing widely, so look for a run of weeks, not one. A week whose
-- users are not all mature yet shows only its mature users (its earliest signups).
--
-- Settings: activation_window_days (maturity; a user slower than the window never counts
-- as activated), in_scope_min_employees / in_scope_max_employees.

with

users as (
    select * from {{ ref('fct_user_activation') }}
),

weekly as (
    select
        signup_cohort_week,
        count(*) as connected_users,
        sum(case when is_activated then 1 else 0 end) as activated_users,
        percentile_cont(0.5) within group (order by minutes_to_first_value) as median_minutes_to_first_value,
        percentile_cont(0.75) within group (order by minutes_to_first_value) as p75_minutes_to_first_value,
        percentile_cont(0.9) within group (order by minutes_to_first_value) as p90_minutes_to_first_value
    from users
    where
        is_mature
        and is_in_scope
        and is_connected
    group by signup_cohort_week
)

select
    signup_cohort_week,
    connected_users,
    activated_users,
    median_minutes_to_first_value,
    p75_minutes_to_first_value,
    p90_minutes_to_first_value,
    median_minutes_to_first_value
    / nullif(lag(median_minutes_to_first_value, 4) over (order by signup_cohort_week), 0)
    - 1 as median_change_vs_four_weeks_earlier
from weekly
order by signup_cohort_week
