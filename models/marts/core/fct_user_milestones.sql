-- One row per user in the metrics and milestone of the definition (seed milestones):
-- whether the milestone applies to the user, whether and when they reached it, and the
-- user's segments to slice by. It says who completed which step by name, so a checklist
-- step added to the seed shows here as rows, with no edit of this model. Which milestone
-- applies and when it is reached are int_user_milestones' rules, not repeated here: a
-- milestone is applicable exactly when int_user_milestones has the user's row for it, and
-- one that does not apply is never reached (as milestones_completed counts them).
-- On DuckDB a view, elsewhere a table (macro projection_materialization).

{{ config(materialized=projection_materialization()) }}

with

users as (
    select * from {{ projection_source(ref('int_users')) }}
),

milestones as (
    select * from {{ projection_source(ref('milestones')) }}
),

user_milestones as (
    select * from {{ projection_source(ref('int_user_milestones')) }}
),

-- Every milestone of the definition in the order the milestone engine walks them
-- (milestone_order, then key), numbered from 1.
ordered_milestones as (
    select
        milestone_key,
        is_funnel_step,
        milestone_role,
        cast(row_number() over (order by milestone_order, milestone_key) as {{ dbt.type_bigint() }}) as step_order
    from milestones
),

final as (
    select
        users.user_id,
        users.account_id,
        ordered_milestones.milestone_key as milestone,
        ordered_milestones.step_order,
        ordered_milestones.is_funnel_step,
        ordered_milestones.milestone_role,
        user_milestones.user_id is not null as is_applicable,
        coalesce(user_milestones.is_reached, false) as is_reached,
        user_milestones.reached_at,
        users.signed_up_at,
        users.signup_cohort_week,
        users.company_size_band,
        users.signup_channel,
        users.is_in_scope,
        users.is_mature,
        users.as_of
    from users
    cross join ordered_milestones
    left join user_milestones
        on users.user_id = user_milestones.user_id
        and ordered_milestones.milestone_key = user_milestones.milestone_key
)

select * from final
