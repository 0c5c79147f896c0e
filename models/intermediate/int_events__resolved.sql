-- Clean events with their identity resolved and their context attached: who (the
-- event's own user_id, else the user its anonymous_id was first seen with), which account
-- (the event's own, else the user's), whether they are test or internal traffic (the
-- person's: macro is_excluded_from_metrics, the rule int_users applies), and what the
-- tracking plan says of the event name.
--
-- Incremental (README, "Incremental builds"; delete+insert on event_id): a run resolves
-- again exactly the events whose answer can have changed since the last run:
--   1. the clean events re-judged by int_events__classified (received at or after the
--      latest received_at here - var incremental_lookback_hours);
--   2. the events whose context changed in the app tables or seeds: their user's account
--      or internal flag, their account's test flag, their name's tracking-plan entry;
--   3. the anonymous events of every anonymous id seen on the events above whose first
--      sighting with a user changed: a later batch can bring an earlier sighting, or the
--      first sighting of an id whose events were anonymous so far.
-- Every row written carries loaded_through, a stamp later than any earlier run's (the
-- latest clean received_at), so the models downstream take exactly the rows written
-- since they ran.

{{
    config(
        materialized=event_grain_materialization(),
        incremental_strategy='delete+insert',
        unique_key='event_id',
        on_schema_change='fail'
    )
}}

{%- set incremental_run = is_incremental() %}

{%- set previous_stamp = '(select max(loaded_through) from ' ~ this ~ ')' if incremental_run
    else 'cast(null as ' ~ dbt.type_timestamp() ~ ')' %}

with

-- The stamp of the rows written now: the latest clean received_at (what fct_events can
-- compare with its own), moved a microsecond past the previous stamp when no clean event
-- arrived since, so every run's rows carry a later stamp than any run before.
loaded as (
    select
        case
            when {{ previous_stamp }} is null or max(received_at) > {{ previous_stamp }}
                then max(received_at)
            else {{ dbt.dateadd('microsecond', 1, previous_stamp) }}
        end as loaded_through
    from {{ ref('int_events__classified') }}
    where event_outcome = 'clean'
),

users as (
    select * from {{ ref('stg_app__users') }}
),

accounts as (
    select * from {{ ref('stg_app__accounts') }}
),

-- Every user with whether they are kept out of the metrics: the one rule, on the user's
-- own flag and the test flag of the account they belong to (not the event's account).
people as (
    select
        users.user_id,
        users.account_id,
        users.is_internal,
        {{ is_excluded_from_metrics('users.is_internal', 'accounts.is_test') }} as is_excluded_from_metrics
    from users
    left join accounts
        on users.account_id = accounts.account_id
),

tracking_plan as (
    select * from {{ ref('tracking_plan') }}
),

{% if incremental_run %}
    -- The previous build is read from this model's own table, a few columns where each step
    -- needs them.
    reresolved_from as (
        {{ lookback_start(this) }}
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
            and received_at >= (select received_from from reresolved_from)
    ),

    -- Their previous versions: a late batch may have replaced the delivery kept for an id
    -- (only when received_at does not increase), taking a sighting from its old anonymous id.
    arrived_before as (
        select
            previous.event_id,
            previous.anonymous_id
        from {{ this }} as previous
        inner join arrived
            on previous.event_id = arrived.event_id
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
        from {{ this }}
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
            from {{ this }}
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
        from {{ this }} as previous
        inner join changed_users
            on previous.user_id = changed_users.user_id

        union

        select
            previous.event_id,
            previous.anonymous_id
        from {{ this }} as previous
        inner join changed_accounts
            on previous.account_id = changed_accounts.account_id

        union

        select
            previous.event_id,
            previous.anonymous_id
        from {{ this }} as previous
        inner join changed_event_names
            on previous.event_name = changed_event_names.event_name
    ),

    -- 3. The anonymous ids whose owner is looked up again: every id on the events above.
    touched_anonymous_ids as (
        select anonymous_id from arrived where anonymous_id is not null
        union
        select anonymous_id from arrived_before where anonymous_id is not null
        union
        select anonymous_id from recontextualised where anonymous_id is not null
    ),

{% endif %}

-- Clean events carrying both ids: sightings of an anonymous id with a user (in an
-- incremental run, of the anonymous ids looked up again).
sightings as (
    select
        anonymous_id,
        user_id,
        occurred_at,
        event_id
    from {{ ref('int_events__classified') }}
    where
        event_outcome = 'clean'
        and user_id is not null
        and anonymous_id is not null
),

{% if incremental_run %}
    touched_sightings as (
        select *
        from sightings
        where anonymous_id in (select anonymous_id from touched_anonymous_ids)
    ),

{% endif %}

-- The first clean event, by (occurred_at, event_id), that carries both ids decides whom
-- an anonymous id belongs to.
anonymous_id_owners as (
    select
        anonymous_id,
        user_id
    from (
        select
            anonymous_id,
            user_id,
            row_number() over (
                partition by anonymous_id
                order by occurred_at, event_id
            ) as sighting_rank
        from {{ 'touched_sightings' if incremental_run else 'sightings' }}
    ) as ranked_sightings
    where sighting_rank = 1
),

{% if incremental_run %}
    -- Anonymous events resolved earlier to a user who is no longer the first sighting.
    reowned as (
        select previous.event_id
        from {{ this }} as previous
        left join anonymous_id_owners
            on previous.anonymous_id = anonymous_id_owners.anonymous_id
        where
            (previous.user_id is null or previous.is_identified_from_anonymous_id)
            and previous.anonymous_id in (select anonymous_id from touched_anonymous_ids)
            and previous.user_id is distinct from anonymous_id_owners.user_id
    ),

    restated as (
        select event_id from reowned
        union
        select event_id from recontextualised
    ),

    -- What this run resolves: the arrivals, and the earlier events to resolve again, taken
    -- from their previous version (with the event's own ids, not the resolved ones).
    clean_events as (
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
        from {{ this }} as previous
        inner join restated
            on previous.event_id = restated.event_id
        where previous.event_id not in (select event_id from arrived)
    ),

{% else %}
    clean_events as (
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
        where event_outcome = 'clean'
    ),

{% endif %}

identified as (
    select
        clean_events.event_id,
        clean_events.event_name,
        clean_events.occurred_at,
        clean_events.received_at,
        coalesce(clean_events.user_id, anonymous_id_owners.user_id) as user_id,
        clean_events.anonymous_id,
        clean_events.account_id as own_account_id,
        (clean_events.user_id is null and anonymous_id_owners.user_id is not null)
            as is_identified_from_anonymous_id,
        clean_events.properties,
        clean_events.has_valid_properties
    from clean_events
    left join anonymous_id_owners
        on clean_events.anonymous_id = anonymous_id_owners.anonymous_id
),

final as (
    select
        identified.event_id,
        identified.event_name,
        identified.occurred_at,
        identified.received_at,
        identified.user_id,
        identified.anonymous_id,
        coalesce(identified.own_account_id, people.account_id) as account_id,
        identified.is_identified_from_anonymous_id,
        tracking_plan.event_name is not null as is_in_tracking_plan,
        -- Names outside the plan count as user actions (the spec): only the backend's
        -- known events are excluded from sessions, stalls and returns.
        coalesce(tracking_plan.is_user_action, true) as is_user_action,
        identified.has_valid_properties,
        identified.properties,
        {{ json_property('identified.properties', 'connection_id') }} as connection_id,
        lower(trim({{ json_property('identified.properties', 'source_type') }})) as source_type,
        {{ json_property('identified.properties', 'error_code') }} as error_code,
        coalesce(accounts.is_test, false) as is_test_account,
        coalesce(people.is_internal, false) as is_internal_user,
        -- The person's exclusion; an event without a known user, by its own account.
        coalesce(people.is_excluded_from_metrics, accounts.is_test, false) as is_excluded_from_metrics,
        -- Bookkeeping of the incremental build: the event's own account_id (the one
        -- above may come from the user) and when the row was written.
        identified.own_account_id,
        loaded.loaded_through
    from identified
    cross join loaded
    left join people
        on identified.user_id = people.user_id
    left join accounts
        on coalesce(identified.own_account_id, people.account_id) = accounts.account_id
    left join tracking_plan
        on identified.event_name = tracking_plan.event_name
)

select * from final
