-- One row per account in the metrics: an account that is not a test account and has at
-- least one user in fct_user_activation (which already leaves out test accounts,
-- internal users and users who signed up after the as-of time). An account reaches a
-- milestone when any of its users does, is connected / activated when any of its users
-- is, and is mature when its first user in the metrics (by signed_up_at, then user_id)
-- is. Users without an account_id belong to no account and are not counted here.

with

users as (
    select * from {{ ref('fct_user_activation') }}
),

user_milestones as (
    select * from {{ ref('int_user_milestones') }}
),

account_users as (
    select
        user_id,
        account_id,
        signed_up_at,
        company_size_band,
        signup_channel,
        is_in_scope,
        is_connected,
        connected_at,
        is_activated,
        first_value_at,
        is_mature,
        row_number() over (
            partition by account_id
            order by signed_up_at, user_id
        ) as signup_rank
    from users
    where account_id is not null
),

first_users as (
    select
        account_id,
        company_size_band,
        signup_channel,
        is_in_scope,
        is_mature
    from account_users
    where signup_rank = 1
),

user_rollup as (
    select
        account_id,
        -- `users` is the contract's column name, though a keyword in some dialects.
        count(*) as users,  -- noqa: RF04
        sum(case when is_connected then 1 else 0 end) as connected_users,
        sum(case when is_activated then 1 else 0 end) as activated_users,
        min(signed_up_at) as first_signed_up_at,
        min(connected_at) as first_connected_at,
        min(first_value_at) as first_activated_at
    from account_users
    group by account_id
),

account_milestones as (
    select
        account_users.account_id,
        count(distinct user_milestones.milestone_key) as milestones_applicable,
        count(
            distinct case when user_milestones.is_reached then user_milestones.milestone_key end
        ) as milestones_completed
    from account_users
    inner join user_milestones
        on account_users.user_id = user_milestones.user_id
    group by account_users.account_id
),

final as (
    select
        first_users.account_id,
        first_users.company_size_band,
        first_users.signup_channel,
        first_users.is_in_scope,
        user_rollup.users,  -- noqa: RF04
        cast(user_rollup.connected_users as {{ dbt.type_bigint() }}) as connected_users,
        cast(user_rollup.activated_users as {{ dbt.type_bigint() }}) as activated_users,
        user_rollup.connected_users > 0 as is_connected,
        user_rollup.activated_users > 0 as is_activated,
        first_users.is_mature,
        user_rollup.first_signed_up_at,
        user_rollup.first_connected_at,
        user_rollup.first_activated_at,
        coalesce(account_milestones.milestones_completed, 0) as milestones_completed,
        coalesce(account_milestones.milestones_applicable, 0) as milestones_applicable,
        {{ stat_to_double('account_milestones.milestones_completed') }}
        / nullif({{ stat_to_double('account_milestones.milestones_applicable') }}, 0)
            as checklist_completion
    from first_users
    inner join user_rollup
        on first_users.account_id = user_rollup.account_id
    left join account_milestones
        on first_users.account_id = account_milestones.account_id
)

select * from final
