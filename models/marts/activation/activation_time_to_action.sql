-- Time to next action and time to first value, as distributions: activated against
-- dropped users, overall and by each segment. Over mature connected users (the decision's
-- population before the scope cut; the `scope` segment makes that cut). A long time to
-- next action among dropped users, next to a short one among activated users, is the
-- "lost momentum" hypothesis of the product question. Medians and percentiles are
-- continuous (interpolated) and skip users with no such action.

with

users as (
    select * from {{ ref('fct_user_activation') }}
    where
        is_mature
        and is_connected
),

grouped_users as (
    select
        user_id,
        case when is_activated then 'activated' else 'dropped' end as user_group,
        is_in_scope,
        company_size_band,
        signup_channel,
        data_source_type,
        minutes_to_next_action,
        minutes_to_first_value
    from users
),

user_segments as (
    {{- segment_rows(
        'grouped_users',
        ['user_group', 'minutes_to_next_action', 'minutes_to_first_value'],
        with_cohort_week=false
    ) }}
),

final as (
    select
        segment_type,
        segment_value,
        user_group,
        count(*) as users,  -- noqa: RF04
        count(minutes_to_next_action) as users_with_next_action,
        {{ stat_to_double('percentile_cont(0.5) within group (order by minutes_to_next_action)') }}
            as median_minutes_to_next_action,
        {{ stat_to_double('percentile_cont(0.75) within group (order by minutes_to_next_action)') }}
            as p75_minutes_to_next_action,
        {{ stat_to_double('percentile_cont(0.9) within group (order by minutes_to_next_action)') }}
            as p90_minutes_to_next_action,
        {{ stat_to_double('percentile_cont(0.5) within group (order by minutes_to_first_value)') }}
            as median_minutes_to_first_value,
        {{ stat_to_double('percentile_cont(0.75) within group (order by minutes_to_first_value)') }}
            as p75_minutes_to_first_value,
        {{ stat_to_double('percentile_cont(0.9) within group (order by minutes_to_first_value)') }}
            as p90_minutes_to_first_value
    from user_segments
    group by
        segment_type,
        segment_value,
        user_group
)

select * from final
