-- The events that can reach a milestone: each user's own clean events named in the
-- milestone_events seed, inside the user's activation window and not after the as-of
-- time. One row per (event, milestone it can reach).

with

users as (
    select * from {{ ref('int_users') }}
),

events as (
    select * from {{ ref('int_events__resolved') }}
),

milestone_events as (
    select * from {{ ref('milestone_events') }}
),

final as (
    select
        users.user_id,
        milestone_events.milestone_key,
        events.event_id,
        events.event_name,
        events.occurred_at
    from events
    inner join milestone_events
        on events.event_name = milestone_events.event_name
    inner join users
        on events.user_id = users.user_id
    where
        events.occurred_at <= users.as_of
        and {{ is_within_window('events.occurred_at', 'users.signed_up_at') }}
)

select * from final
