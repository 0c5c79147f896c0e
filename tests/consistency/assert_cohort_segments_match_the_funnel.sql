-- activation_cohort_segments agrees with the funnel and with itself. Per signup week, its
-- overall row counts what activation_funnel's signup_cohort_week segment counts by
-- another route (int_user_milestones): mature users at the signup step, mature connected
-- users at the connection step, users in progress at the signup step. And within a week,
-- each segment type's values add up to the overall row. Returns the rows that disagree.

with

cohort_segments as (
    select * from {{ ref('activation_cohort_segments') }}
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
        and milestone_role in ('signup', 'connection')
),

funnel_weeks as (
    select
        funnel.segment_value as signup_cohort_week,
        max(case when role_steps.milestone_role = 'signup' then funnel.users_reached end) as mature_users,
        max(case when role_steps.milestone_role = 'signup' then funnel.users_in_progress end) as users_in_progress,
        max(case when role_steps.milestone_role = 'connection' then funnel.users_reached end) as connected_users
    from funnel
    inner join role_steps
        on funnel.milestone = role_steps.milestone_key
    where funnel.segment_type = 'signup_cohort_week'
    group by funnel.segment_value
),

overall_rows as (
    select
        cast(signup_cohort_week as {{ dbt.type_string() }}) as signup_cohort_week,
        mature_users,
        users_in_progress,
        connected_users
    from cohort_segments
    where segment_type = 'overall'
),

funnel_mismatches as (
    select
        coalesce(overall_rows.signup_cohort_week, funnel_weeks.signup_cohort_week) as signup_cohort_week,
        'funnel' as compared_with
    from overall_rows
    full outer join funnel_weeks
        on overall_rows.signup_cohort_week = funnel_weeks.signup_cohort_week
    where
        overall_rows.signup_cohort_week is null
        or funnel_weeks.signup_cohort_week is null
        or overall_rows.mature_users != funnel_weeks.mature_users
        or overall_rows.users_in_progress != funnel_weeks.users_in_progress
        or overall_rows.connected_users != funnel_weeks.connected_users
),

segment_sums as (
    select
        signup_cohort_week,
        segment_type,
        sum(users) as users,  -- noqa: RF04
        sum(mature_users) as mature_users,
        sum(connected_users) as connected_users,
        sum(dropped_users) as dropped_users
    from cohort_segments
    where segment_type != 'overall'
    group by
        signup_cohort_week,
        segment_type
),

sum_mismatches as (
    select
        cast(segment_sums.signup_cohort_week as {{ dbt.type_string() }}) as signup_cohort_week,
        segment_sums.segment_type as compared_with
    from segment_sums
    inner join cohort_segments as overall
        on
        segment_sums.signup_cohort_week = overall.signup_cohort_week
        and overall.segment_type = 'overall'
    where
        segment_sums.users != overall.users
        or segment_sums.mature_users != overall.mature_users
        or segment_sums.connected_users != overall.connected_users
        or segment_sums.dropped_users != overall.dropped_users
)

select * from funnel_mismatches
union all
select * from sum_mismatches
