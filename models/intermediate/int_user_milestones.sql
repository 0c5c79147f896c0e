-- When each user reached each milestone that applies to them: one row per (user,
-- applicable milestone), reached or not. The definition is data (seeds milestones and
-- milestone_events): a funnel step is reached at its N-th qualifying event (N =
-- required_count, by occurred_at then event_id) at or after the previous funnel step and
-- within the window; the first funnel step is signup itself (raw.users.created_at). A
-- checklist step that is not a funnel step is counted from signup and gates nothing.
-- The steps are walked in order up to the var max_funnel_steps; only integers reach the
-- SQL text, never a seed value.
--
-- Incremental by user (docs/incremental-builds.md, "Person-grain tables by user";
-- delete+insert on user_id): a user's rows depend only on their row of int_users, their
-- qualifying events and the definition, so each row carries a signature of those
-- (user_signature) and a run computes again only the users whose signature changed, or
-- who are new; a user no longer in int_users is deleted. A changed definition (the
-- milestones seed, max_funnel_steps) changes every signature. The rows of the users cut
-- again, and of those deleted, are first written as tombstones (a row without a
-- milestone) so the delete+insert removes every old row, and the post-hook removes them.

{%- set max_steps = setting('max_funnel_steps') %}

{{
    config(
        materialized=event_grain_materialization(),
        incremental_strategy='delete+insert',
        unique_key='user_id',
        on_schema_change='fail',
        post_hook="{{ delete_tombstones('milestone_key') }}"
    )
}}

{%- set incremental_run = is_incremental() %}

with

milestones as (
    select * from {{ ref('milestones') }}
),

-- The definition every user's rows follow: the milestones seed's content (its row count
-- and a sum of hashes of the columns read here: macro relation_content_signature_sql) and
-- how many funnel steps are walked. The milestone_events seed reaches the signatures
-- through the qualifying events themselves.
milestone_definition as (
    select
        ({{ relation_content_signature_sql(ref('milestones'), columns=[
            'milestone_key',
            'milestone_order',
            'required_count',
            'applies_to_size_bands',
            'is_funnel_step',
            'milestone_role',
        ]) | indent(8) }}) || '/{{ max_steps }}' as definition_signature
),

-- What this model reads of each user's qualifying events: how many, and a hash of their
-- milestone, id and time (a sum, so the rows' order does not matter).
qualifying_summary as (
    select
        user_id,
        count(*) as qualifying_events,
        sum({{ row_hash(['milestone_key', 'event_id', 'occurred_at']) }}) as qualifying_events_hash
    from {{ ref('int_milestone_events') }}
    group by user_id
),

signed_users as (
    select
        metric_users.user_id,
        metric_users.signed_up_at,
        metric_users.company_size_band,
        {{ row_hash([
            'metric_users.signed_up_at',
            'metric_users.company_size_band',
            'qualifying_summary.qualifying_events',
            'qualifying_summary.qualifying_events_hash',
            'milestone_definition.definition_signature',
        ]) }} as user_signature
    from {{ ref('int_users') }} as metric_users
    cross join milestone_definition
    left join qualifying_summary
        on metric_users.user_id = qualifying_summary.user_id
),

{% if incremental_run %}
    -- The signatures the previous build stored, one per user.
    stored_users as (
        select distinct
            user_id,
            user_signature
        from {{ this }}
    ),

    -- New users, and users whose signature changed: computed again.
    touched_users as (
        select signed_users.user_id
        from signed_users
        left join stored_users
            on signed_users.user_id = stored_users.user_id
        where
            stored_users.user_id is null
            or stored_users.user_signature != signed_users.user_signature
    ),

    -- Users no longer in int_users (now excluded, or signed up after the as-of time).
    departed_users as (
        select stored_users.user_id
        from stored_users
        left join signed_users
            on stored_users.user_id = signed_users.user_id
        where signed_users.user_id is null
    ),

    users as (
        select *
        from signed_users
        where user_id in (select touched_users.user_id from touched_users)
    ),

    qualifying_events as (
        select *
        from {{ ref('int_milestone_events') }}
        where user_id in (select touched_users.user_id from touched_users)
    ),

{% else %}
    users as (
        select * from signed_users
    ),

    qualifying_events as (
        select * from {{ ref('int_milestone_events') }}
    ),

{% endif %}

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
        users.user_signature,
        milestones.milestone_key,
        milestones.milestone_order,
        milestones.is_funnel_step,
        milestones.milestone_role
    from users
    inner join milestones
        on milestones.is_funnel_step
        or {{ milestone_applies('milestones.applies_to_size_bands', 'users.company_size_band') }}
),

computed as (
    select
        applicable.user_id,
        applicable.milestone_key,
        applicable.milestone_order,
        applicable.is_funnel_step,
        applicable.milestone_role,
        reached.reached_at,
        reached.reaching_event_id,
        reached.reached_at is not null as is_reached,
        -- Bookkeeping of the incremental build: what the user's rows were computed from.
        applicable.user_signature
    from applicable
    left join reached
        on applicable.user_id = reached.user_id
        and applicable.milestone_key = reached.milestone_key
),

{% if incremental_run %}
    -- A tombstone (macro tombstone_columns) for every user computed again or deleted, so
    -- the delete+insert on user_id removes all their old rows, also those of milestones
    -- that no longer apply; the post-hook deletes the tombstones.
    tombstones as (
        select {{ tombstone_columns('user_id', 'rewritten_users') }}
        from (
            select touched_users.user_id from touched_users
            union
            select departed_users.user_id from departed_users
        ) as rewritten_users
    ),

    final as (
        select * from computed
        union all
        select * from tombstones
    )

{% else %}
    final as (
        select * from computed
    )

{% endif %}

select * from final
