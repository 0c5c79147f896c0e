-- Each user's last user action at or before the as-of time (backend events do not count):
-- the clock of stalls, and what the user last did. Ties on the time go to the greater
-- event_id (the order (occurred_at, event_id) the sessions use), so the name is the same on
-- every build and engine; row_number, not arg_max, which would skip a null name.

with

users as (
    select
        user_id,
        as_of
    from {{ ref('int_users') }}
),

user_actions as (
    select
        event_id,
        user_id,
        occurred_at
    from {{ ref('int_events__sessionized') }}
    where user_id is not null
),

event_names as (
    select
        event_id,
        event_name
    from {{ ref('int_events__resolved') }}
),

ranked_actions as (
    select
        users.user_id,
        user_actions.event_id,
        user_actions.occurred_at,
        row_number() over (
            partition by users.user_id
            order by user_actions.occurred_at desc, user_actions.event_id desc
        ) as recency_rank
    from users
    inner join user_actions
        on users.user_id = user_actions.user_id
        and users.as_of >= user_actions.occurred_at
),

final as (
    select
        ranked_actions.user_id,
        ranked_actions.occurred_at as last_action_at,
        event_names.event_name as last_action_name
    from ranked_actions
    left join event_names
        on ranked_actions.event_id = event_names.event_id
    where ranked_actions.recency_rank = 1
)

select * from final
