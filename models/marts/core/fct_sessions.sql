-- Sessions of user actions, one row per session: a gap of more than
-- session_timeout_minutes between a person's user actions starts a new one.
-- int_sessions without its bookkeeping columns: on DuckDB a view of it, elsewhere a table
-- (macro projection_materialization).

{{ config(materialized=projection_materialization()) }}

with

sessions as (
    select * from {{ projection_source(ref('int_sessions')) }}
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
