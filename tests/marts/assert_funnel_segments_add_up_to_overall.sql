-- Each segment type splits the overall funnel: per step, its segment values add up to
-- the overall row, for mature users (users_reached) and young ones (users_in_progress).
-- A segment type with no rows at all fails too. Returns (segment type, step) pairs that
-- do not add up.

with

funnel as (
    select * from {{ ref('activation_funnel') }}
),

overall as (
    select
        step_order,
        milestone,
        users_reached,
        users_in_progress
    from funnel
    where segment_type = 'overall'
),

segment_types as (
    select 'scope' as segment_type
    union all
    select 'company_size_band' as segment_type
    union all
    select 'signup_channel' as segment_type
    union all
    select 'data_source_type' as segment_type
    union all
    select 'signup_cohort_week' as segment_type
),

segment_sums as (
    select
        segment_type,
        step_order,
        sum(users_reached) as users_reached,
        sum(users_in_progress) as users_in_progress
    from funnel
    where segment_type != 'overall'
    group by
        segment_type,
        step_order
),

final as (
    select
        segment_types.segment_type,
        overall.step_order,
        overall.milestone,
        overall.users_reached as overall_users_reached,
        segment_sums.users_reached as segment_users_reached,
        overall.users_in_progress as overall_users_in_progress,
        segment_sums.users_in_progress as segment_users_in_progress
    from overall
    cross join segment_types
    left join segment_sums
        on segment_types.segment_type = segment_sums.segment_type
        and overall.step_order = segment_sums.step_order
    where
        segment_sums.segment_type is null
        or segment_sums.users_reached != overall.users_reached
        or segment_sums.users_in_progress != overall.users_in_progress
)

select * from final
