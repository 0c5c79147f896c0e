-- The clean events an incremental run of int_events__resolved resolves, with their own
-- (unresolved) ids: the ones whose answer can have changed since its last run. Read only
-- by int_events__resolved in an incremental run (ephemeral: it becomes a CTE of that
-- run); a full refresh resolves every clean event instead.
--   1. the clean events re-judged by int_events__classified (received from the run
--      window's received_from of int_events__resolved on);
--   2. the events whose context changed in the app tables or seeds: their user's account
--      or internal flag, their account's test flag, their name's tracking-plan entry;
--   3. identity restated: the anonymous events of every anonymous id seen on the events
--      above whose first sighting with a user changed (a late identify call: a later
--      batch can bring an earlier sighting, or the first sighting of an id whose events
--      were anonymous so far).
-- Earlier events come from their previous version in int_events__resolved's table
-- (macro model_relation: a ref would be a cycle), with the event's own ids.

{{ config(materialized='ephemeral') }}

{{- run_window_dependency() }}

{%- set previous_build = model_relation('int_events__resolved') %}

with

users as (
    select * from {{ ref('stg_app__users') }}
),

accounts as (
    select * from {{ ref('stg_app__accounts') }}
),

-- Every user with whether they are kept out of the metrics: the one rule, on the user's
-- own flag and the test flag of the account they belong to (not the event's account).
people as (
    {{ people_with_exclusion('users', 'accounts') }}
),

tracking_plan as (
    select * from {{ ref('tracking_plan') }}
),

-- 1. Clean events (re)judged since the last run.
arrived as (
    select
        event_id,
        event_name,
        occurred_at,
        received_at,
        user_id,
        anonymous_id,
        account_id,
        properties,
        has_valid_properties
    from {{ ref('int_events__classified') }}
    where
        event_outcome = 'clean'
        and received_at >= {{ run_window('received_from', 'int_events__resolved') }}
),

-- Their previous versions: a late batch may have replaced the delivery kept for an id
-- (only when received_at does not increase), taking a sighting from its old anonymous id.
-- So a previous version was received no earlier than its arrival, inside the window too:
-- the bound (implied by the join) lets the scan drop earlier rows before it reads their
-- ids, and skip whole blocks of them where the table is in arrival order.
arrived_before as (
    select
        previous.event_id,
        previous.anonymous_id
    from {{ previous_build }} as previous
    inner join arrived
        on previous.event_id = arrived.event_id
    where previous.received_at >= {{ run_window('received_from', 'int_events__resolved') }}
),

-- 2. Context that changed since the events were resolved: what each event recorded of
-- its user and account, against raw.users and raw.accounts now, and of its name, against
-- the tracking plan now.
recorded_context as (
    select distinct
        user_id,
        is_internal_user,
        own_account_id is null as takes_user_account,
        account_id,
        is_test_account,
        is_excluded_from_metrics
    from {{ previous_build }}
),

changed_users as (
    select recorded_context.user_id
    from recorded_context
    left join people
        on recorded_context.user_id = people.user_id
    left join accounts as event_accounts
        on recorded_context.account_id = event_accounts.account_id
    where
        recorded_context.user_id is not null
        and (
            recorded_context.is_internal_user != coalesce(people.is_internal, false)
            or (
                recorded_context.takes_user_account
                and recorded_context.account_id is distinct from people.account_id
            )
            -- The user's account, its test flag or the user's presence changed.
            or recorded_context.is_excluded_from_metrics
            != coalesce(people.is_excluded_from_metrics, event_accounts.is_test, false)
        )
),

changed_accounts as (
    select recorded_context.account_id
    from recorded_context
    left join accounts
        on recorded_context.account_id = accounts.account_id
    where
        recorded_context.account_id is not null
        and recorded_context.is_test_account != coalesce(accounts.is_test, false)
),

changed_event_names as (
    select recorded_names.event_name
    from (
        select distinct
            event_name,
            is_in_tracking_plan,
            is_user_action
        from {{ previous_build }}
    ) as recorded_names
    left join tracking_plan
        on recorded_names.event_name = tracking_plan.event_name
    where
        recorded_names.is_in_tracking_plan != (tracking_plan.event_name is not null)
        or recorded_names.is_user_action != coalesce(tracking_plan.is_user_action, true)
),

-- (Inner joins: when nothing changed, which is the rule, no event is read.)
recontextualised as (
    select
        previous.event_id,
        previous.anonymous_id
    from {{ previous_build }} as previous
    inner join changed_users
        on previous.user_id = changed_users.user_id

    union

    select
        previous.event_id,
        previous.anonymous_id
    from {{ previous_build }} as previous
    inner join changed_accounts
        on previous.account_id = changed_accounts.account_id

    union

    select
        previous.event_id,
        previous.anonymous_id
    from {{ previous_build }} as previous
    inner join changed_event_names
        on previous.event_name = changed_event_names.event_name
),

-- 3. The anonymous ids whose owner is looked up again: every id on the events above.
touched_anonymous_ids as (
    select anonymous_id
    from arrived
    where anonymous_id is not null

    union

    select anonymous_id
    from arrived_before
    where anonymous_id is not null

    union

    select anonymous_id
    from recontextualised
    where anonymous_id is not null
),

-- Their owners now (macro anonymous_id_owners, the rule int_events__resolved applies).
anonymous_id_owners as (
    {{ anonymous_id_owners('select touched_anonymous_ids.anonymous_id from touched_anonymous_ids') | indent(4) }}
),

-- Anonymous events resolved earlier to a user who is no longer the first sighting.
reowned as (
    select previous.event_id
    from {{ previous_build }} as previous
    left join anonymous_id_owners
        on previous.anonymous_id = anonymous_id_owners.anonymous_id
    where
        (previous.user_id is null or previous.is_identified_from_anonymous_id)
        and previous.anonymous_id in (select touched_anonymous_ids.anonymous_id from touched_anonymous_ids)
        and previous.user_id is distinct from anonymous_id_owners.user_id
),

restated as (
    select event_id from reowned
    union
    select event_id from recontextualised
),

-- The arrivals, and the earlier events to resolve again, taken from their previous version
-- (with the event's own ids, not the resolved ones).
restated_events as (
    select * from arrived

    union all

    select
        previous.event_id,
        previous.event_name,
        previous.occurred_at,
        previous.received_at,
        case when previous.is_identified_from_anonymous_id then null else previous.user_id end as user_id,
        previous.anonymous_id,
        previous.own_account_id as account_id,
        previous.properties,
        previous.has_valid_properties
    from {{ previous_build }} as previous
    inner join restated
        on previous.event_id = restated.event_id
    where previous.event_id not in (select arrived.event_id from arrived)
),

-- Each with the owner now of its anonymous id: every anonymous id here is one looked up
-- above (the arrivals' own, and those of the events restated), so int_events__resolved
-- takes the owner from here instead of looking it up again, which read every clean event
-- with a user a second time (docs/performance-log.md).
final as (
    select
        restated_events.*,
        anonymous_id_owners.user_id as anonymous_id_owner
    from restated_events
    left join anonymous_id_owners
        on restated_events.anonymous_id = anonymous_id_owners.anonymous_id
)

select * from final
