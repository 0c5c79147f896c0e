-- Clean events with their identity resolved and their context attached: who (the
-- event's own user_id, else the user its anonymous_id was first seen with), which account
-- (the event's own, else the user's), whether they are test or internal traffic, and what
-- the tracking plan says of the event name.

with

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

users as (
    select * from {{ ref('stg_app__users') }}
),

accounts as (
    select * from {{ ref('stg_app__accounts') }}
),

tracking_plan as (
    select * from {{ ref('tracking_plan') }}
),

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
        from clean_events
        where user_id is not null and anonymous_id is not null
    ) as sightings
    where sighting_rank = 1
),

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
        coalesce(identified.own_account_id, users.account_id) as account_id,
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
        coalesce(users.is_internal, false) as is_internal_user,
        (coalesce(accounts.is_test, false) or coalesce(users.is_internal, false))
            as is_excluded_from_metrics
    from identified
    left join users
        on identified.user_id = users.user_id
    left join accounts
        on coalesce(identified.own_account_id, users.account_id) = accounts.account_id
    left join tracking_plan
        on identified.event_name = tracking_plan.event_name
)

select * from final
