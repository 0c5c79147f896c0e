-- The decision and the funnel agree on the product question's population. The funnel's
-- `scope` / `in_scope` segment counts mature users who reached the connection step and
-- the activation step; the decision's mature_connected_users must be the former and its
-- dropped_users the difference (connected, not activated). The steps are found by their
-- role in the milestones seed, not by name. Returns the decision row with the funnel's
-- numbers beside it when they disagree (or when either side is missing).

with

decision as (
    select * from {{ ref('activation_decision') }}
),

funnel as (
    select * from {{ ref('activation_funnel') }}
),

role_steps as (
    select
        milestone_key,
        milestone_role
    from {{ ref('milestones') }}
    where
        is_funnel_step
        and milestone_role in ('connection', 'activation')
),

in_scope_steps as (
    select
        max(case when role_steps.milestone_role = 'connection' then funnel.users_reached end)
            as connected_users,
        max(case when role_steps.milestone_role = 'activation' then funnel.users_reached end)
            as activated_users
    from funnel
    inner join role_steps
        on funnel.milestone = role_steps.milestone_key
    where
        funnel.segment_type = 'scope'
        and funnel.segment_value = 'in_scope'
),

decision_rows as (
    select count(*) as decision_rows from decision
),

final as (
    select
        decision_rows.decision_rows,
        decision.mature_connected_users,
        in_scope_steps.connected_users as funnel_connected_users,
        decision.dropped_users,
        in_scope_steps.connected_users - in_scope_steps.activated_users as funnel_dropped_users
    from decision_rows
    cross join in_scope_steps
    left join decision
        on 1 = 1
    where
        decision_rows.decision_rows != 1
        or coalesce(in_scope_steps.connected_users, 0) != decision.mature_connected_users
        or decision.dropped_users
        != coalesce(in_scope_steps.connected_users - in_scope_steps.activated_users, 0)
)

select * from final
