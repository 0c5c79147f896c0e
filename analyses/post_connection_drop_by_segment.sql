-- Question: of the users who connect a data source, how many drop before first value,
-- overall and by data source type, signup channel, company size band, scope and signup
-- week, and how sure are we of each rate?
--
-- Reading the answer: one row per segment. The first row is the decision's own number
-- (activation_decision: mature, in-scope, connected users); the others come from the
-- funnel (activation_funnel, every user in the metrics, in or out of scope) at the
-- activation step: connected_users reached the step before it (the connection),
-- dropped_users did not reach first value within their window (segments with no
-- connected user, such as data source `none`, are left out). The rate's Wilson 95%
-- interval (the decision's formula) is drop_rate_ci_low .. drop_rate_ci_high: a small
-- segment has a wide interval, so compare intervals, not point rates. Only mature users
-- (window closed) count; young ones are in activation_funnel.users_in_progress.
--
-- Settings: activation_window_days (maturity, the window), in_scope_min_employees /
-- in_scope_max_employees (scope), the milestones seed (which step is first value).

with

decision as (
    select * from {{ ref('activation_decision') }}
),

funnel as (
    select * from {{ ref('activation_funnel') }}
),

milestones as (
    select * from {{ ref('milestones') }}
),

activation_step as (
    select
        funnel.segment_type,
        funnel.segment_value,
        funnel.users_reached + funnel.users_dropped_here as connected_users,
        funnel.users_dropped_here as dropped_users
    from funnel
    inner join milestones
        on funnel.milestone = milestones.milestone_key
    where
        milestones.milestone_role = 'activation'
        and funnel.users_reached + funnel.users_dropped_here > 0
),

segment_drop as (
    select
        segment_type,
        segment_value,
        connected_users,
        dropped_users,
        {{ stat_to_double('dropped_users') }}
        / nullif({{ stat_to_double('connected_users') }}, 0) as post_connection_drop_rate,
        {{ wilson_interval_low('dropped_users', 'connected_users') }} as drop_rate_ci_low,
        {{ wilson_interval_high('dropped_users', 'connected_users') }} as drop_rate_ci_high
    from activation_step
),

decision_drop as (
    select
        'decision' as segment_type,
        'in_scope' as segment_value,
        mature_connected_users as connected_users,
        dropped_users,
        post_connection_drop_rate,
        drop_rate_ci_low,
        drop_rate_ci_high
    from decision
),

both_sources as (
    select * from decision_drop
    union all
    select * from segment_drop
)

select
    segment_type,
    segment_value,
    connected_users,
    dropped_users,
    post_connection_drop_rate,
    drop_rate_ci_low,
    drop_rate_ci_high
from both_sources
order by
    case segment_type when 'decision' then 0 when 'overall' then 1 else 2 end asc,
    segment_type asc,
    post_connection_drop_rate desc,
    segment_value asc
