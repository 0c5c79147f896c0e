-- Every account of fct_account_activation agrees with its users in fct_user_activation,
-- recomputed here by another route: plain aggregates per account, and the first user
-- found as the smallest user_id among the users at the account's earliest signup (not a
-- window function). Also: every account with a user in the metrics is there exactly
-- once, no test account is, and the checklist is at least as far along as its furthest
-- user's. Returns one row per account that disagrees, with the reason.

with

users as (
    select * from {{ ref('fct_user_activation') }}
),

accounts as (
    select * from {{ ref('fct_account_activation') }}
),

account_registry as (
    select
        account_id,
        is_test
    from {{ ref('int_accounts') }}
),

account_facts as (
    select
        account_id,
        users as user_count,  -- noqa: RF04
        connected_users,
        activated_users,
        is_connected,
        is_activated,
        is_mature,
        company_size_band,
        is_in_scope,
        first_signed_up_at,
        first_connected_at,
        first_activated_at,
        milestones_completed,
        milestones_applicable,
        checklist_completion
    from accounts
),

account_users as (
    select
        user_id,
        account_id,
        signed_up_at,
        company_size_band,
        is_in_scope,
        is_connected,
        connected_at,
        is_activated,
        first_value_at,
        is_mature,
        milestones_completed,
        milestones_applicable
    from users
    where account_id is not null
),

per_account as (
    select
        account_id,
        count(*) as expected_users,
        count(case when is_connected then user_id end) as expected_connected_users,
        count(case when is_activated then user_id end) as expected_activated_users,
        min(signed_up_at) as expected_first_signed_up_at,
        min(connected_at) as expected_first_connected_at,
        min(first_value_at) as expected_first_activated_at,
        max(milestones_completed) as furthest_user_completed,
        max(milestones_applicable) as widest_user_applicable
    from account_users
    group by account_id
),

first_signups as (
    select
        account_users.account_id,
        min(account_users.user_id) as first_user_id
    from account_users
    inner join per_account
        on account_users.account_id = per_account.account_id
        and account_users.signed_up_at = per_account.expected_first_signed_up_at
    group by account_users.account_id
),

first_users as (
    select
        first_signups.account_id,
        account_users.is_mature as expected_is_mature,
        account_users.company_size_band as expected_company_size_band,
        account_users.is_in_scope as expected_is_in_scope
    from first_signups
    inner join account_users
        on first_signups.first_user_id = account_users.user_id
),

expected as (
    select
        per_account.account_id,
        per_account.expected_users,
        per_account.expected_connected_users,
        per_account.expected_activated_users,
        per_account.expected_first_signed_up_at,
        per_account.expected_first_connected_at,
        per_account.expected_first_activated_at,
        per_account.furthest_user_completed,
        per_account.widest_user_applicable,
        first_users.expected_is_mature,
        first_users.expected_company_size_band,
        first_users.expected_is_in_scope
    from per_account
    inner join first_users
        on per_account.account_id = first_users.account_id
),

compared as (
    select
        coalesce(account_facts.account_id, expected.account_id) as account_id,
        case
            when account_facts.account_id is null
                then 'account with users in the metrics is missing'
            when expected.account_id is null
                then 'account without any user in the metrics'
            when account_registry.is_test
                then 'test account in the metrics'
            when account_facts.user_count != expected.expected_users
                then 'users'
            when account_facts.connected_users != expected.expected_connected_users
                then 'connected_users'
            when account_facts.activated_users != expected.expected_activated_users
                then 'activated_users'
            when account_facts.is_connected != (expected.expected_connected_users > 0)
                then 'is_connected'
            when account_facts.is_activated != (expected.expected_activated_users > 0)
                then 'is_activated'
            when account_facts.is_mature != expected.expected_is_mature
                then 'is_mature (first user)'
            when account_facts.company_size_band != expected.expected_company_size_band
                then 'company_size_band'
            when account_facts.is_in_scope != expected.expected_is_in_scope
                then 'is_in_scope'
            when account_facts.first_signed_up_at != expected.expected_first_signed_up_at
                then 'first_signed_up_at'
            when not coalesce(
                    account_facts.first_connected_at = expected.expected_first_connected_at,
                    account_facts.first_connected_at is null and expected.expected_first_connected_at is null
                )
                then 'first_connected_at'
            when not coalesce(
                    account_facts.first_activated_at = expected.expected_first_activated_at,
                    account_facts.first_activated_at is null and expected.expected_first_activated_at is null
                )
                then 'first_activated_at'
            when account_facts.milestones_completed > account_facts.milestones_applicable
                then 'milestones_completed above milestones_applicable'
            when account_facts.milestones_completed < expected.furthest_user_completed
                then 'milestones_completed below its furthest user'
            when account_facts.milestones_applicable < expected.widest_user_applicable
                then 'milestones_applicable below its widest user'
            when abs(
                    account_facts.checklist_completion
                    - {{ stat_to_double('account_facts.milestones_completed') }}
                    / {{ stat_to_double('account_facts.milestones_applicable') }}
                ) > 1e-12
                then 'checklist_completion'
        end as failure
    from account_facts
    full outer join expected
        on account_facts.account_id = expected.account_id
    left join account_registry
        on coalesce(account_facts.account_id, expected.account_id) = account_registry.account_id
),

duplicates as (
    select
        account_id,
        'account appears more than once' as failure
    from account_facts
    group by account_id
    having count(*) > 1
),

final as (
    select
        account_id,
        failure
    from compared
    where failure is not null
    union all
    select
        account_id,
        failure
    from duplicates
)

select * from final
