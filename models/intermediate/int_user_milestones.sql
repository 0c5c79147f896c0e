-- When each user reached each milestone that applies to them: one row per (user,
-- applicable milestone), reached or not. The definition is data (seeds milestones and
-- milestone_events): a funnel step is reached at its N-th qualifying event (N =
-- required_count, by occurred_at then event_id) at or after the previous funnel step and
-- within the window; the first funnel step is signup itself (raw.users.created_at). A
-- checklist step that is not a funnel step is counted from signup and gates nothing.
-- The steps are walked in order up to the var max_funnel_steps; only integers reach the
-- SQL text, never a seed value.

{%- set max_steps = setting('max_funnel_steps') %}

with

users as (
    select * from {{ ref('int_users') }}
),

milestones as (
    select * from {{ ref('milestones') }}
),

qualifying_events as (
    select * from {{ ref('int_milestone_events') }}
),

funnel_steps as (
    select
        milestone_key,
        required_count,
        row_number() over (order by milestone_order, milestone_key) as step_position
    from milestones
    where is_funnel_step
),

step_1 as (
    select
        users.user_id,
        funnel_steps.milestone_key,
        users.signed_up_at as reached_at,
        cast(null as {{ dbt.type_string() }}) as reaching_event_id
    from users
    cross join funnel_steps
    where funnel_steps.step_position = 1
),

{% for step in range(2, max_steps + 1) %}
    step_{{ step }}_candidates as (
        select
            previous_step.user_id,
            funnel_steps.milestone_key,
            funnel_steps.required_count,
            qualifying_events.occurred_at,
            qualifying_events.event_id,
            row_number() over (
                partition by previous_step.user_id
                order by qualifying_events.occurred_at, qualifying_events.event_id
            ) as qualifying_rank
        from step_{{ step - 1 }} as previous_step
        inner join funnel_steps
            on funnel_steps.step_position = {{ step }}
        inner join qualifying_events
            on previous_step.user_id = qualifying_events.user_id
            and funnel_steps.milestone_key = qualifying_events.milestone_key
            and previous_step.reached_at <= qualifying_events.occurred_at
    ),

    step_{{ step }} as (
        select
            user_id,
            milestone_key,
            occurred_at as reached_at,
            event_id as reaching_event_id
        from step_{{ step }}_candidates
        where qualifying_rank = required_count
    ),
{% endfor %}

checklist_candidates as (
    select
        qualifying_events.user_id,
        milestones.milestone_key,
        milestones.required_count,
        qualifying_events.occurred_at,
        qualifying_events.event_id,
        row_number() over (
            partition by qualifying_events.user_id, milestones.milestone_key
            order by qualifying_events.occurred_at, qualifying_events.event_id
        ) as qualifying_rank
    from qualifying_events
    inner join milestones
        on qualifying_events.milestone_key = milestones.milestone_key
    where not milestones.is_funnel_step
),

reached as (
    {% for step in range(1, max_steps + 1) -%}
        select
            user_id,
            milestone_key,
            reached_at,
            reaching_event_id
        from step_{{ step }}
        union all
    {% endfor -%}
    select
        user_id,
        milestone_key,
        occurred_at as reached_at,
        event_id as reaching_event_id
    from checklist_candidates
    where qualifying_rank = required_count
),

applicable as (
    select
        users.user_id,
        milestones.milestone_key,
        milestones.milestone_order,
        milestones.is_funnel_step,
        milestones.milestone_role
    from users
    inner join milestones
        on milestones.is_funnel_step
        or {{ milestone_applies('milestones.applies_to_size_bands', 'users.company_size_band') }}
),

final as (
    select
        applicable.user_id,
        applicable.milestone_key,
        applicable.milestone_order,
        applicable.is_funnel_step,
        applicable.milestone_role,
        reached.reached_at,
        reached.reaching_event_id,
        reached.reached_at is not null as is_reached
    from applicable
    left join reached
        on applicable.user_id = reached.user_id
        and applicable.milestone_key = reached.milestone_key
)

select * from final
