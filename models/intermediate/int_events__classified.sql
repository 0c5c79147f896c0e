-- Every raw event row with its fate: clean, quarantined (with the first rule it breaks,
-- in the spec's order) or a duplicate of a clean row. The marts event_quarantine,
-- event_duplicates and fct_events each take one fate, so every raw row ends in exactly
-- one place and the reconciliation test can prove it.

with

events as (
    select * from {{ ref('stg_tracker__events') }}
),

judged as (
    select
        *,
        case
            when event_id is null then 'missing_event_id'
            when occurred_at is null then 'unparseable_occurred_at'
            when occurred_at < cast('{{ date_var("min_event_date") }}' as {{ dbt.type_timestamp() }})
                then 'occurred_before_min_date'
            when occurred_at > {{ dbt.dateadd('day', int_var('max_clock_skew_days', min=0), 'received_at') }}
                then 'occurred_after_received'
            when user_id is null and anonymous_id is null then 'missing_identity'
            when event_name is null then 'missing_event_name'
        end as quarantine_reason
    from events
),

ranked as (
    select
        *,
        -- Retries repeat an event_id: the first delivery wins. The rest of the raw row
        -- breaks the last ties, so a rebuild keeps the same row; it is compared only on
        -- ties, where hashing every row first would cost a pass over all of them.
        case
            when quarantine_reason is null then
                row_number() over (
                    partition by event_id, quarantine_reason is null
                    order by
                        received_at,
                        occurred_at,
                        raw_event_name nulls last,
                        raw_user_id nulls last,
                        raw_anonymous_id nulls last,
                        raw_account_id nulls last,
                        raw_occurred_at nulls last,
                        raw_properties nulls last
                )
        end as delivery_rank
    from judged
),

final as (
    select
        raw_event_id,
        raw_event_name,
        raw_user_id,
        raw_anonymous_id,
        raw_account_id,
        raw_occurred_at,
        raw_properties,
        received_at,
        event_id,
        event_name,
        user_id,
        anonymous_id,
        account_id,
        occurred_at,
        properties,
        has_valid_properties,
        quarantine_reason,
        case
            when quarantine_reason is not null then 'quarantined'
            when delivery_rank = 1 then 'clean'
            else 'duplicate'
        end as event_outcome
    from ranked
)

select * from final
