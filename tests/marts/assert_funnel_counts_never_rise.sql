-- A funnel only narrows: within each segment, no step has more users than the step
-- before it, among mature users (users_reached) or young ones (users_in_progress).
-- Returns the offending steps.

with

funnel as (
    select * from {{ ref('activation_funnel') }}
),

with_previous as (
    select
        segment_type,
        segment_value,
        step_order,
        milestone,
        users_reached,
        users_in_progress,
        lag(users_reached) over (
            partition by segment_type, segment_value
            order by step_order
        ) as previous_users_reached,
        lag(users_in_progress) over (
            partition by segment_type, segment_value
            order by step_order
        ) as previous_users_in_progress
    from funnel
),

final as (
    select
        segment_type,
        segment_value,
        step_order,
        milestone,
        users_reached,
        previous_users_reached,
        users_in_progress,
        previous_users_in_progress
    from with_previous
    where
        users_reached > previous_users_reached
        or users_in_progress > previous_users_in_progress
)

select * from final
