-- The users in the metrics, with the segments every funnel is cut by. Internal users and
-- users of test accounts (macro is_excluded_from_metrics, the rule int_events__resolved
-- applies too) and users who signed up after the as-of time are left out here, once, so
-- no mart can count them.

with

users as (
    select * from {{ ref('stg_app__users') }}
),

accounts as (
    select * from {{ ref('int_accounts') }}
),

as_of as (
    select as_of from {{ ref('int_as_of') }}
),

in_metrics as (
    select
        users.user_id,
        users.account_id,
        users.signed_up_at,
        coalesce(accounts.company_size_band, 'unknown') as company_size_band,
        coalesce(accounts.signup_channel, 'unknown') as signup_channel,
        coalesce(accounts.is_in_scope, false) as is_in_scope,
        as_of.as_of
    from users
    cross join as_of
    left join accounts
        on users.account_id = accounts.account_id
    where
        not {{ is_excluded_from_metrics('users.is_internal', 'accounts.is_test') }}
        and users.signed_up_at is not null
        and users.signed_up_at <= as_of.as_of
),

final as (
    select
        user_id,
        account_id,
        signed_up_at,
        cast({{ dbt.date_trunc('week', 'signed_up_at') }} as date) as signup_cohort_week,
        company_size_band,
        signup_channel,
        is_in_scope,
        {{ window_end('signed_up_at') }} as window_ends_at,
        {{ is_window_closed('signed_up_at', 'as_of') }} as is_mature,
        as_of
    from in_metrics
)

select * from final
