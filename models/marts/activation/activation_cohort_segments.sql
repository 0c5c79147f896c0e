-- The post-connection drop by signup week crossed with each segment, one row per signup
-- week, segment type and segment value: "drop by source for the last four weeks" is one
-- filter on this table. Counts are over the week's users of the segment; the drop rate
-- and its Wilson 95% interval are over the mature connected ones, as in the decision
-- (dropped / connected). A week whose users are not all mature yet is marked by
-- cohort_maturity instead of showing silent zeros: its rates cover only the users whose
-- window has closed, and an immature week has no rate at all.

{%- set segmented_by = segment_columns(with_cohort_week=false) %}

with

users as (
    select * from {{ ref('fct_user_activation') }}
),

as_of as (
    select as_of from {{ ref('int_as_of') }}
),

-- The users counted per signup week and combination of segment columns first (thousands
-- of rows, not one per user and segment type), then per segment as activation_funnel cuts
-- them (its cohort-week segment is this table's other axis).
counted_by_combination as (
    select
        signup_cohort_week,
        {{ segmented_by | join(',\n        ') }},
        count(*) as users,  -- noqa: RF04
        count(case when is_mature then 1 end) as mature_users,
        count(case when is_mature and is_connected then 1 end) as connected_users,
        count(case when is_mature and is_connected and is_activated then 1 end) as activated_users,
        count(case when dropped_after_connection then 1 end) as dropped_users
    from users
    group by
        signup_cohort_week,
        {{ segmented_by | join(',\n        ') }}
),

combination_segments as (
    {{- segment_rows(
        'counted_by_combination',
        ['signup_cohort_week', 'users', 'mature_users', 'connected_users', 'activated_users', 'dropped_users'],
        with_cohort_week=false
    ) }}
),

counted as (
    select
        signup_cohort_week,
        segment_type,
        segment_value,
        {{ sum_of_counts('users') }} as users,  -- noqa: RF04
        {{ sum_of_counts('mature_users') }} as mature_users,
        {{ sum_of_counts('connected_users') }} as connected_users,
        {{ sum_of_counts('activated_users') }} as activated_users,
        {{ sum_of_counts('dropped_users') }} as dropped_users
    from combination_segments
    group by
        signup_cohort_week,
        segment_type,
        segment_value
),

-- A week is mature once the window of its last possible signup (the next Monday, an
-- exclusive bound) has closed; partly mature while some of its users are.
weeks as (
    select
        counted.signup_cohort_week,
        counted.segment_type,
        counted.segment_value,
        counted.users,
        counted.mature_users,
        counted.connected_users,
        counted.activated_users,
        counted.dropped_users,
        case
            when {{ is_window_closed(dbt.dateadd('day', 7, 'counted.signup_cohort_week'), 'as_of.as_of') }}
                then 'mature'
            when counted.mature_users > 0 then 'partly_mature'
            else 'immature'
        end as cohort_maturity
    from counted
    cross join as_of
),

final as (
    select
        signup_cohort_week,
        segment_type,
        segment_value,
        cohort_maturity,
        users,  -- noqa: RF04
        mature_users,
        users - mature_users as users_in_progress,
        connected_users,
        activated_users,
        dropped_users,
        {{ stat_to_double('dropped_users') }}
        / nullif({{ stat_to_double('connected_users') }}, 0) as post_connection_drop_rate,
        {{ wilson_interval_low('dropped_users', 'connected_users') }} as drop_rate_ci_low,
        {{ wilson_interval_high('dropped_users', 'connected_users') }} as drop_rate_ci_high
    from weeks
)

select * from final
