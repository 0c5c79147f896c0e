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

-- One aggregate over the user's milestones gives every column. The furthest funnel step
-- reached is the last by (milestone_order, milestone_key) among reached funnel steps
-- (macro last_value_by): ordering first by whether the row is one of those puts them
-- after every other row, and the value is null on the others. One pass, where a second
-- aggregate filtered to reached funnel steps made the engine keep the user's milestones
-- in memory for both.
pivoted as (
    select
        user_id,
        max(case when milestone_role = 'connection' then reached_at end) as connected_at,
        max(case when milestone_role = 'connection' then reaching_event_id end) as connection_event_id,
        max(case when milestone_role = 'activation' then reached_at end) as first_value_at,
        {{ last_value_by(
            'case when is_funnel_step and is_reached then milestone_key end',
            'is_funnel_step and is_reached, milestone_order, milestone_key'
        ) }} as current_milestone,
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
        pivoted.current_milestone,
        pivoted.milestones_completed,
        pivoted.milestones_applicable
    from pivoted
    left join events
        on pivoted.connection_event_id = events.event_id
    left join connections
        on events.connection_id = connections.connection_id
)

select * from final
