-- Question: which users should customer success nudge this week?
--
-- Reading the answer: one row per stalled user (connected, no first value yet, window
-- still open, no user action for at least stall_days), the most urgent first: the fewest
-- days left in the activation window. days_stalled is whole days since the last user
-- action (last_action_at); current_milestone is the furthest funnel step reached. Ids
-- and segments only: look the people up in the app, not here. The count of rows is the
-- number of users to nudge.
--
-- Settings: stall_days, activation_window_days, as_of (the list is as of the build's
-- as-of time, repeated in as_of).

with

stalled as (
    select * from {{ ref('stalled_users') }}
)

select
    account_id,
    user_id,
    data_source_type,
    company_size_band,
    is_in_scope,
    current_milestone,
    floor(days_since_last_action) as days_stalled,
    last_action_at,
    days_left_in_window,
    as_of
from stalled
order by
    days_left_in_window asc,
    account_id asc,
    user_id asc
