-- fct_user_milestones (one row per user and milestone) agrees with each user's counts
-- and times in fct_user_activation (one row per user): the same users; one row per
-- milestone of the seed each; its applicable rows are milestones_applicable and its
-- reached rows milestones_completed (a milestone that does not apply is never reached);
-- the connection and activation steps were reached at connected_at and first_value_at;
-- and the furthest funnel step reached is current_milestone. Returns each user that
-- breaks any of it, with the first broken rule.

with

user_milestones as (
    select * from {{ ref('fct_user_milestones') }}
),

user_facts as (
    select * from {{ ref('fct_user_activation') }}
),

milestone_count as (
    select count(*) as milestones
    from {{ ref('milestones') }}
),

furthest_step as (
    select
        user_id,
        milestone as current_milestone
    from (
        select
            user_id,
            milestone,
            row_number() over (partition by user_id order by step_order desc) as step_rank
        from user_milestones
        where is_funnel_step and is_reached
    ) as reached_steps
    where step_rank = 1
),

per_user as (
    select
        user_id,
        count(*) as milestone_rows,
        sum(case when is_applicable then 1 else 0 end) as applicable,
        sum(case when is_reached then 1 else 0 end) as reached,
        sum(case when is_reached and not is_applicable then 1 else 0 end) as reached_not_applicable,
        max(case when milestone_role = 'connection' then reached_at end) as connected_at,
        max(case when milestone_role = 'activation' then reached_at end) as first_value_at
    from user_milestones
    group by user_id
),

compared as (
    select
        coalesce(per_user.user_id, user_facts.user_id) as user_id,
        case
            when per_user.user_id is null then 'in fct_user_activation, no row in fct_user_milestones'
            when user_facts.user_id is null then 'in fct_user_milestones, not in fct_user_activation'
            when per_user.milestone_rows != milestone_count.milestones then 'not one row per milestone of the seed'
            when per_user.applicable != user_facts.milestones_applicable then 'applicable rows != milestones_applicable'
            when per_user.reached != user_facts.milestones_completed then 'reached rows != milestones_completed'
            when per_user.reached_not_applicable > 0 then 'a milestone that does not apply is reached'
            when (per_user.connected_at is distinct from user_facts.connected_at)
                then 'the connection step was not reached at connected_at'
            when (per_user.first_value_at is distinct from user_facts.first_value_at)
                then 'the activation step was not reached at first_value_at'
            when (furthest_step.current_milestone is distinct from user_facts.current_milestone)
                then 'the furthest funnel step reached is not current_milestone'
        end as failure
    from per_user
    full outer join user_facts
        on per_user.user_id = user_facts.user_id
    cross join milestone_count
    left join furthest_step
        on coalesce(per_user.user_id, user_facts.user_id) = furthest_step.user_id
),

final as (
    select
        user_id,
        failure
    from compared
    where failure is not null
)

select * from final
