-- Each user's last user action at or before the as-of time (backend events do not count):
-- the clock of stalls, and what the user last did. One row per user with such an action.
-- Ties on the time go to the greater event_id (the order (occurred_at, event_id) the
-- sessions use), so the name is the same on every build and engine. One aggregate per
-- user (macro last_value_by), not a window ranking every action: at 10M short-journey
-- events the window was 3.9 s of the 4.9 s fct_user_activation then took.
--
-- A model of its own, not a CTE of fct_user_activation: it reads only the actions and the
-- as-of time, so dbt runs it beside the milestone models (int_user_milestones,
-- int_users__milestone_state, int_users__post_connection) instead of after them, where it
-- kept the last step of a run on one thread (docs/performance-log.md, "Eighth session of
-- 2026-12-07").

with

-- One time for every user, read from int_as_of rather than from each user's row, so no
-- action waits for a join to its user.
as_of as (
    select as_of from {{ ref('int_as_of') }}
),

user_actions as (
    select
        event_id,
        person_id as user_id,
        occurred_at
    from {{ ref('int_events__sessionized') }}
    where person_type = 'user'
),

event_names as (
    select
        event_id,
        event_name
    from {{ ref('int_events__resolved') }}
),

last_action_ids as (
    select
        user_actions.user_id,
        max(user_actions.occurred_at) as last_action_at,
        {{ last_value_by('user_actions.event_id', 'user_actions.occurred_at, user_actions.event_id') }}
            as last_action_event_id
    from user_actions
    where user_actions.occurred_at <= (select as_of.as_of from as_of)
    group by user_actions.user_id
),

final as (
    select
        last_action_ids.user_id,
        last_action_ids.last_action_at,
        event_names.event_name as last_action_name
    from last_action_ids
    left join event_names
        on last_action_ids.last_action_event_id = event_names.event_id
)

select * from final
