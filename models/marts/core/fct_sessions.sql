-- Sessions of user actions, one row per session: a gap of more than
-- session_timeout_minutes between a person's user actions starts a new one.

with

sessions as (
    select * from {{ ref('int_sessions') }}
),

final as (
    select
        session_id,
        person_type,
        user_id,
        anonymous_id,
        account_id,
        started_at,
        ended_at,
        duration_minutes,
        event_count,
        is_excluded_from_metrics
    from sessions
)

select * from final
