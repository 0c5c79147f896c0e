-- Each user's last user action at or before the as-of time (backend events do not count):
-- the clock of stalls.

with

users as (
    select
        user_id,
        as_of
    from {{ ref('int_users') }}
),

user_actions as (
    select
        user_id,
        occurred_at
    from {{ ref('int_events__sessionized') }}
    where user_id is not null
),

final as (
    select
        users.user_id,
        max(user_actions.occurred_at) as last_action_at
    from users
    inner join user_actions
        on users.user_id = user_actions.user_id
        and users.as_of >= user_actions.occurred_at
    group by users.user_id
)

select * from final
