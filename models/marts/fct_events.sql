-- The clean events: one row per event_id that passed every cleaning rule, first
-- delivery kept, identity resolved. The grain every event metric counts from.

with

events as (
    select * from {{ ref('int_events__resolved') }}
),

final as (
    select
        event_id,
        event_name,
        occurred_at,
        received_at,
        user_id,
        anonymous_id,
        account_id,
        is_identified_from_anonymous_id,
        is_user_action,
        is_in_tracking_plan,
        has_valid_properties,
        properties,
        connection_id,
        source_type,
        error_code,
        is_test_account,
        is_internal_user,
        is_excluded_from_metrics
    from events
)

select * from final
