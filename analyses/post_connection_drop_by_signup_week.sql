-- Question: is the post-connection drop getting better or worse week by week, for each
-- segment (scope, company size band, signup channel, data source type)?
--
-- Reading the answer: one row per signup week (Monday, UTC) × segment, oldest week first.
-- post_connection_drop_rate = dropped_users / connected_users over the week's mature
-- connected users, with its Wilson 95% interval. Read cohort_maturity before the rate:
-- `mature` weeks are final, `partly_mature` weeks cover only their mature users and may
-- still move, `immature` weeks have no rate yet (users_in_progress are not dropped). Filter
-- segment_type = 'overall' for the headline trend, or e.g. segment_type =
-- 'data_source_type' for "drop by source over the last weeks".
--
-- Settings: activation_window_days (which weeks are mature), in_scope_min_employees /
-- in_scope_max_employees (the scope segment).

with

cohort_segments as (
    select * from {{ ref('activation_cohort_segments') }}
)

select
    signup_cohort_week,
    segment_type,
    segment_value,
    cohort_maturity,
    users,
    users_in_progress,
    connected_users,
    dropped_users,
    post_connection_drop_rate,
    drop_rate_ci_low,
    drop_rate_ci_high
from cohort_segments
order by
    segment_type,
    segment_value,
    signup_cohort_week
