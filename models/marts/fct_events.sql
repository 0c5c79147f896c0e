-- The clean events: one row per event_id that passed every cleaning rule, first
-- delivery kept, identity resolved, user actions placed in their session. The grain
-- every event metric counts from.

with

events as (
    select * from {{ ref('int_events__resolved') }}
),

sessionized as (
    select
        event_id,
        session_id
    from {{ ref('int_events__sessionized') }}
),

final as (
    select
        events.event_id,
        events.event_name,
        events.occurred_at,
        events.received_at,
        events.user_id,
        events.anonymous_id,
        events.account_id,
        sessionized.session_id,
        events.is_identified_from_anonymous_id,
        events.is_user_action,
        events.is_in_tracking_plan,
        events.has_valid_properties,
        events.properties,
        events.connection_id,
        events.source_type,
        events.error_code,
        events.is_test_account,
        events.is_internal_user,
        events.is_excluded_from_metrics
    from events
    left join sessionized
        on events.event_id = sessionized.event_id
)

select * from final
