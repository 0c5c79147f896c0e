-- Raw event rows refused by the cleaning rules, as received, each with the first rule it
-- broke. Nothing is dropped silently: a row is here, in fct_events or in event_duplicates.

with

classified as (
    select * from {{ ref('int_events__classified') }}
),

final as (
    select
        raw_event_id as event_id,
        quarantine_reason as reason,
        raw_event_name as event_name,
        raw_user_id as user_id,
        raw_anonymous_id as anonymous_id,
        raw_account_id as account_id,
        raw_occurred_at as occurred_at,
        received_at,
        raw_properties as properties
    from classified
    where event_outcome = 'quarantined'
)

select * from final
