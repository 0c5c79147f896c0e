-- The funnel agrees with the user facts it summarises, in every segment. Per segment
-- type and value, each funnel step that carries a role in the milestones seed must count
-- exactly the users fct_user_activation says reached it: every user for `signup`,
-- is_connected for `connection`, is_activated for `activation`; mature users in
-- users_reached, younger ones in users_in_progress. The funnel counts from
-- int_user_milestones, this test from the users' own flags: two routes to one number, so
-- a change of definition that moves one and not the other is caught. Returns the
-- (segment, step) rows that disagree, including a segment or step one side lacks.

with

users as (
    select * from {{ ref('fct_user_activation') }}
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
        and milestone_role in ('signup', 'connection', 'activation')
),

user_segments as (
    select
        user_id,
        'overall' as segment_type,
        'overall' as segment_value
    from users
    union all
    select
        user_id,
        'scope' as segment_type,
        case when is_in_scope then 'in_scope' else 'out_of_scope' end as segment_value
    from users
    union all
    select
        user_id,
        'company_size_band' as segment_type,
        company_size_band as segment_value
    from users
    union all
    select
        user_id,
        'signup_channel' as segment_type,
        signup_channel as segment_value
    from users
    union all
    select
        user_id,
        'data_source_type' as segment_type,
        data_source_type as segment_value
    from users
    union all
    select
        user_id,
        'signup_cohort_week' as segment_type,
        cast(signup_cohort_week as {{ dbt.type_string() }}) as segment_value
    from users
),

user_roles as (
    select
        users.user_id,
        users.is_mature,
        role_steps.milestone_role,
        case role_steps.milestone_role
            when 'signup' then true
            when 'connection' then users.is_connected
            else users.is_activated
        end as has_reached
    from users
    cross join role_steps
),

expected as (
    select
        user_segments.segment_type,
        user_segments.segment_value,
        user_roles.milestone_role,
        count(case when user_roles.has_reached and user_roles.is_mature then 1 end) as users_reached,
        count(case when user_roles.has_reached and not user_roles.is_mature then 1 end) as users_in_progress
    from user_segments
    inner join user_roles
        on user_segments.user_id = user_roles.user_id
    group by
        user_segments.segment_type,
        user_segments.segment_value,
        user_roles.milestone_role
),

funnel_roles as (
    select
        funnel.segment_type,
        funnel.segment_value,
        role_steps.milestone_role,
        funnel.step_order,
        funnel.users_reached,
        funnel.users_in_progress
    from funnel
    inner join role_steps
        on funnel.milestone = role_steps.milestone_key
),

final as (
    select
        coalesce(funnel_roles.segment_type, expected.segment_type) as segment_type,
        coalesce(funnel_roles.segment_value, expected.segment_value) as segment_value,
        coalesce(funnel_roles.milestone_role, expected.milestone_role) as milestone_role,
        funnel_roles.step_order,
        funnel_roles.users_reached as funnel_users_reached,
        expected.users_reached as user_facts_users_reached,
        funnel_roles.users_in_progress as funnel_users_in_progress,
        expected.users_in_progress as user_facts_users_in_progress
    from funnel_roles
    full outer join expected
        on funnel_roles.segment_type = expected.segment_type
        and funnel_roles.segment_value = expected.segment_value
        and funnel_roles.milestone_role = expected.milestone_role
    where
        funnel_roles.segment_type is null
        or expected.segment_type is null
        or funnel_roles.users_reached != expected.users_reached
        or funnel_roles.users_in_progress != expected.users_in_progress
)

select * from final
