-- One row per session of user actions, aggregated from int_events__sessionized (see it
-- for the rule). A person is a resolved user, else an anonymous id.

with

sessionized as (
    select * from {{ ref('int_events__sessionized') }}
),

ranked as (
    select
        *,
        row_number() over (partition by session_id order by occurred_at, event_id) as event_rank
    from sessionized
),

first_events as (
    select
        session_id,
        anonymous_id as first_anonymous_id,
        account_id as first_account_id
    from ranked
    where event_rank = 1
),

aggregated as (
    select
        session_id,
        max(person_type) as person_type,
        max(person_id) as person_id,
        max(user_id) as user_id,
        min(occurred_at) as started_at,
        max(occurred_at) as ended_at,
        count(*) as event_count,
        max(case when is_excluded_from_metrics then 1 else 0 end) = 1 as is_excluded_from_metrics
    from sessionized
    group by session_id
),

users as (
    select
        user_id,
        account_id
    from {{ ref('stg_app__users') }}
),

final as (
    select
        aggregated.session_id,
        aggregated.person_type,
        aggregated.user_id,
        case when aggregated.person_type = 'anonymous' then aggregated.person_id end as anonymous_id,
        coalesce(users.account_id, first_events.first_account_id) as account_id,
        aggregated.started_at,
        aggregated.ended_at,
        {{ elapsed_minutes('aggregated.started_at', 'aggregated.ended_at') }} as duration_minutes,
        aggregated.event_count,
        aggregated.is_excluded_from_metrics
    from aggregated
    inner join first_events
        on aggregated.session_id = first_events.session_id
    left join users
        on aggregated.user_id = users.user_id
)

select * from final
