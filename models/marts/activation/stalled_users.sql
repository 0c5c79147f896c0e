-- The users a customer-success team nudges: connected, not activated, window still open
-- at the as-of time, and no user action for at least `stall_days` (fct_user_activation's
-- is_stalled holds the rule). Ids and segments only, no personal data. Both clocks are
-- exact elapsed days at the as-of time, never a count of day boundaries; the whole-day
-- columns floor them for people reading a list. A user became stalled `stall_days` after
-- the last action; "newly stalled" means within the week (7 days, the flag's meaning, not
-- a setting) before the as-of time.

with

users as (
    select * from {{ ref('fct_user_activation') }}
),

stalled as (
    select
        users.user_id,
        users.account_id,
        users.current_milestone,
        users.connected_at,
        users.data_source_type,
        users.company_size_band,
        users.signup_channel,
        users.is_in_scope,
        users.signed_up_at,
        users.last_action_at,
        users.window_ends_at,
        users.as_of,
        users.last_action_name,
        {{ dbt.dateadd('day', setting('stall_days'), 'users.last_action_at') }} as stalled_since
    from users
    where users.is_stalled
),

clocks as (
    select
        *,
        {{ elapsed_days('last_action_at', 'as_of') }} as days_since_last_action,
        {{ elapsed_days('as_of', 'window_ends_at') }} as days_left_in_window
    from stalled
),

final as (
    select
        user_id,
        account_id,
        current_milestone,
        days_since_last_action,
        days_left_in_window,
        connected_at,
        data_source_type,
        company_size_band,
        signup_channel,
        is_in_scope,
        signed_up_at,
        last_action_at,
        window_ends_at,
        as_of,
        cast(floor(days_since_last_action) as {{ dbt.type_int() }}) as whole_days_stalled,
        cast(floor(days_left_in_window) as {{ dbt.type_int() }}) as whole_days_left,
        stalled_since,
        {{ elapsed_days('stalled_since', 'as_of') }} < 7 as is_newly_stalled,
        last_action_name
    from clocks
)

select * from final
