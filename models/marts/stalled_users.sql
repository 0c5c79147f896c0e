-- The users a customer-success team nudges: connected, not activated, window still open
-- at the as-of time, and no user action for at least `stall_days` (fct_user_activation's
-- is_stalled holds the rule). Ids and segments only, no personal data. Both clocks are
-- exact elapsed days at the as-of time, never a count of day boundaries.

with

users as (
    select * from {{ ref('fct_user_activation') }}
),

stalled as (
    select
        user_id,
        account_id,
        current_milestone,
        connected_at,
        data_source_type,
        company_size_band,
        signup_channel,
        is_in_scope,
        signed_up_at,
        last_action_at,
        window_ends_at,
        as_of
    from users
    where is_stalled
),

final as (
    select
        user_id,
        account_id,
        current_milestone,
        {{ elapsed_days('last_action_at', 'as_of') }} as days_since_last_action,
        {{ elapsed_days('as_of', 'window_ends_at') }} as days_left_in_window,
        connected_at,
        data_source_type,
        company_size_band,
        signup_channel,
        is_in_scope,
        signed_up_at,
        last_action_at,
        window_ends_at,
        as_of
    from stalled
)

select * from final
