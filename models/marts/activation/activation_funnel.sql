-- The activation funnel, one row per segment and funnel step: how many mature users of
-- the segment reached each step, the step-to-step and from-start rates, and how many
-- younger users (window still open) have reached it so far. Every segment type is cut
-- once per segment value and again overall; every segment value gets every step (a zero
-- row, never a missing one). The steps are the milestones seed's funnel steps, in
-- milestone_order, as int_user_milestones applies them: no milestone key is named here.

{%- set segmented_by = segment_columns() %}

with

users as (
    select * from {{ ref('fct_user_activation') }}
),

user_milestones as (
    select * from {{ ref('int_user_milestones') }}
    where is_funnel_step
),

funnel_steps as (
    select
        milestone_key,
        -- row_number() is a bigint on DuckDB but an int on Spark: cast for the contract.
        cast(row_number() over (order by milestone_order, milestone_key) as {{ dbt.type_bigint() }}) as step_order
    from (
        select distinct
            milestone_key,
            milestone_order
        from user_milestones
    ) as distinct_steps
),

-- The users who reached each step, counted per combination of segment columns first:
-- thousands of rows, where a row per user and segment type would be millions.
reached_by_combination as (
    select
        {{ 'users.' ~ segmented_by | join(',\n        users.') }},
        user_milestones.milestone_key,
        count(case when users.is_mature then 1 end) as users_reached,
        count(case when not users.is_mature then 1 end) as users_in_progress
    from users
    inner join user_milestones
        on users.user_id = user_milestones.user_id
    where user_milestones.is_reached
    group by
        {{ 'users.' ~ segmented_by | join(',\n        users.') }},
        user_milestones.milestone_key
),

-- Every combination of segment columns among the users, reached a step or not.
combinations as (
    select distinct
        {{ segmented_by | join(',\n        ') }}
    from users
),

-- One row per combination and segment type: the value of that segment the users of the
-- combination belong to.
segments as (
    select distinct
        segment_type,
        segment_value
    from (
        {{- segment_rows('combinations', []) }}
    ) as combination_segments
),

combination_step_counts as (
    {{- segment_rows('reached_by_combination', ['milestone_key', 'users_reached', 'users_in_progress']) }}
),

step_counts as (
    select
        segment_type,
        segment_value,
        milestone_key,
        {{ sum_of_counts('users_reached') }} as users_reached,
        {{ sum_of_counts('users_in_progress') }} as users_in_progress
    from combination_step_counts
    group by
        segment_type,
        segment_value,
        milestone_key
),

-- Every segment value meets every step, reached by anyone or not.
segment_steps as (
    select
        segments.segment_type,
        segments.segment_value,
        funnel_steps.step_order,
        funnel_steps.milestone_key as milestone,
        coalesce(step_counts.users_reached, 0) as users_reached,
        coalesce(step_counts.users_in_progress, 0) as users_in_progress
    from segments
    cross join funnel_steps
    left join step_counts
        on segments.segment_type = step_counts.segment_type
        and segments.segment_value = step_counts.segment_value
        and funnel_steps.milestone_key = step_counts.milestone_key
),

-- The first step has no previous step: it is its own base (rate 1, nobody dropped).
with_bases as (
    select
        segment_type,
        segment_value,
        step_order,
        milestone,
        users_reached,
        users_in_progress,
        coalesce(
            lag(users_reached) over (
                partition by segment_type, segment_value
                order by step_order
            ),
            users_reached
        ) as previous_step_users,
        max(case when step_order = 1 then users_reached end) over (
            partition by segment_type, segment_value
        ) as start_users
    from segment_steps
),

final as (
    select
        segment_type,
        segment_value,
        step_order,
        milestone,
        users_reached,
        case
            when previous_step_users > 0 then
                {{ stat_to_double('users_reached') }} / {{ stat_to_double('previous_step_users') }}
        end as rate_from_previous,
        case
            when start_users > 0 then
                {{ stat_to_double('users_reached') }} / {{ stat_to_double('start_users') }}
        end as rate_from_start,
        users_in_progress,
        previous_step_users - users_reached as users_dropped_here,
        -- The Wilson 95% interval of rate_from_previous (the project's rule, one macro), so
        -- a reader of a step's rate (the report's cohort band) never computes it again.
        {{ wilson_interval_low('users_reached', 'previous_step_users') }} as rate_from_previous_ci_low,
        {{ wilson_interval_high('users_reached', 'previous_step_users') }} as rate_from_previous_ci_high
    from with_bases
)

select * from final
