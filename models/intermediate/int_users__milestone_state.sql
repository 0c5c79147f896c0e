-- Each user's milestone state in one row: when they connected (the milestone whose role
-- is `connection`) and through which connection, when they reached first value (role
-- `activation`), how much of their checklist is done, and the furthest funnel step reached.

with

user_milestones as (
    select * from {{ ref('int_user_milestones') }}
),

events as (
    select
        event_id,
        connection_id,
        source_type
    from {{ ref('int_events__resolved') }}
),

connections as (
    select
        connection_id,
        source_type
    from {{ ref('stg_app__data_source_connections') }}
),

-- The furthest funnel step reached: the last by (milestone_order, milestone_key), in one
-- aggregate (macro last_value_by) rather than a window ranking every reached step.
furthest_step as (
    select
        user_id,
        {{ last_value_by('milestone_key', 'milestone_order, milestone_key') }} as current_milestone
    from user_milestones
    where is_funnel_step and is_reached
    group by user_id
),

pivoted as (
    select
        user_id,
        max(case when milestone_role = 'connection' then reached_at end) as connected_at,
        max(case when milestone_role = 'connection' then reaching_event_id end) as connection_event_id,
        max(case when milestone_role = 'activation' then reached_at end) as first_value_at,
        count(case when is_reached then 1 end) as milestones_completed,
        count(*) as milestones_applicable
    from user_milestones
    group by user_id
),

final as (
    select
        pivoted.user_id,
        pivoted.connected_at,
        pivoted.connection_event_id,
        events.connection_id,
        case
            when pivoted.connected_at is null then 'none'
            else coalesce(events.source_type, connections.source_type, 'unknown')
        end as data_source_type,
        pivoted.first_value_at,
        furthest_step.current_milestone,
        pivoted.milestones_completed,
        pivoted.milestones_applicable
    from pivoted
    left join furthest_step
        on pivoted.user_id = furthest_step.user_id
    left join events
        on pivoted.connection_event_id = events.event_id
    left join connections
        on events.connection_id = connections.connection_id
)

select * from final
