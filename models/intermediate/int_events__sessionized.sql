-- User actions cut into sessions, per person (the resolved user, else the anonymous id):
-- in time order (ties by event_id), a gap of more than session_timeout_minutes starts a
-- new session; a gap of exactly that long does not. The session id is a hash of the person
-- key and the session's first event_id, so it is stable across rebuilds. Backend events
-- (sync_*) are not user actions and belong to no session.

with

user_actions as (
    select
        event_id,
        occurred_at,
        user_id,
        anonymous_id,
        account_id,
        is_excluded_from_metrics,
        case when user_id is not null then 'user' else 'anonymous' end as person_type,
        coalesce(user_id, anonymous_id) as person_id
    from {{ ref('int_events__resolved') }}
    where is_user_action
),

gaps as (
    select
        *,
        case
            when lag(occurred_at) over (partition by person_type, person_id order by occurred_at, event_id) is null
                then 1
            when {{ elapsed_seconds(
                'lag(occurred_at) over (partition by person_type, person_id order by occurred_at, event_id)',
                'occurred_at'
            ) }} > {{ int_var('session_timeout_minutes', min=1, max=1440) }} * 60 then 1
            else 0
        end as starts_session
    from user_actions
),

numbered as (
    select
        *,
        sum(starts_session) over (
            partition by person_type, person_id
            order by occurred_at, event_id
            rows between unbounded preceding and current row
        ) as session_number
    from gaps
),

with_first_event as (
    select
        *,
        first_value(event_id) over (
            partition by person_type, person_id, session_number
            order by occurred_at, event_id
            rows between unbounded preceding and unbounded following
        ) as first_event_id
    from numbered
),

final as (
    select
        event_id,
        occurred_at,
        person_type,
        person_id,
        user_id,
        anonymous_id,
        account_id,
        is_excluded_from_metrics,
        session_number,
        {{ dbt.hash(dbt.concat(['person_type', "'|'", 'person_id', "'|'", 'first_event_id'])) }} as session_id
    from with_first_event
)

select * from final
