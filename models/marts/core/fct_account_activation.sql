-- One row per account in the metrics: an account that is not a test account and has at
-- least one user in fct_user_activation (which already leaves out test accounts,
-- internal users and users who signed up after the as-of time). An account reaches a
-- milestone when any of its users does, is connected / activated when any of its users
-- is, and is mature when its first user in the metrics (by signed_up_at, then user_id)
-- is. Users without an account_id belong to no account and are not counted here.

{#- Which user of an account is its first: unique, since user_id is. -#}
{%- set first_user_order = 'signed_up_at, user_id' %}

with

-- The users of an account, read twice (two import CTEs, each read once): a CTE that two
-- parts of the query read is materialised whole by DuckDB, which cost more than the
-- second scan of the two columns the milestones need.
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
        is_mature
    from {{ ref('fct_user_activation') }}
    where account_id is not null
),

user_accounts as (
    select
        user_id,
        account_id
    from {{ ref('fct_user_activation') }}
    where account_id is not null
),

user_milestones as (
    select * from {{ ref('int_user_milestones') }}
),

-- Per account, in one aggregate: what its first user (by signed_up_at, then user_id)
-- brings, through macro first_value_by rather than a window ranking every user and a
-- join back, and the figures over all its users.
user_rollup as (
    select
        account_id,
        {{ first_value_by('company_size_band', first_user_order) }} as company_size_band,
        {{ first_value_by('signup_channel', first_user_order) }} as signup_channel,
        {{ first_value_by('is_in_scope', first_user_order) }} as is_in_scope,
        {{ first_value_by('is_mature', first_user_order) }} as is_mature,
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

-- Each milestone that applies to one of the account's users, reached when any of them
-- reached it, then counted per account: two plain aggregates, where counting the distinct
-- keys twice in one took about half of this model's time.
account_milestone_keys as (
    select
        user_accounts.account_id,
        user_milestones.milestone_key,
        max(case when user_milestones.is_reached then 1 else 0 end) as is_reached_by_any_user
    from user_accounts
    inner join user_milestones
        on user_accounts.user_id = user_milestones.user_id
    group by
        user_accounts.account_id,
        user_milestones.milestone_key
),

account_milestones as (
    select
        account_id,
        count(*) as milestones_applicable,
        count(case when is_reached_by_any_user = 1 then 1 end) as milestones_completed
    from account_milestone_keys
    group by account_id
),

final as (
    select
        user_rollup.account_id,
        user_rollup.company_size_band,
        user_rollup.signup_channel,
        user_rollup.is_in_scope,
        user_rollup.users,  -- noqa: RF04
        cast(user_rollup.connected_users as {{ dbt.type_bigint() }}) as connected_users,
        cast(user_rollup.activated_users as {{ dbt.type_bigint() }}) as activated_users,
        user_rollup.connected_users > 0 as is_connected,
        user_rollup.activated_users > 0 as is_activated,
        user_rollup.is_mature,
        user_rollup.first_signed_up_at,
        user_rollup.first_connected_at,
        user_rollup.first_activated_at,
        coalesce(account_milestones.milestones_completed, 0) as milestones_completed,
        coalesce(account_milestones.milestones_applicable, 0) as milestones_applicable,
        {{ stat_to_double('account_milestones.milestones_completed') }}
        / nullif({{ stat_to_double('account_milestones.milestones_applicable') }}, 0)
            as checklist_completion
    from user_rollup
    left join account_milestones
        on user_rollup.account_id = account_milestones.account_id
)

select * from final
