-- Every raw event row, exactly once, with its fields cleaned but nothing decided yet:
-- the raw text is kept beside each cleaned field so a quarantined row can be shown as
-- received. Judging the rows (quarantine, duplicates) happens in int_events__classified.
-- Email addresses stop here: an id holding one becomes a pseudonym, free text has each
-- replaced (macros/cleaning/personal_data.sql), the "raw" text included.

with

source_events as (
    -- raw.events, or a collector's track calls mapped onto the same columns
    -- (macro event_rows; setting event_collector, docs/pipelines.md).
    -- With raw.events' row key where the engine has one (macro raw_row_key).
    select
        *,
        {{ raw_row_key() }} as raw_row_key
    from {{ event_rows() }}
),

without_emails as (
    select
        {{ pseudonymize_emails('event_id') }} as raw_event_id,
        {{ redact_emails('event_name') }} as raw_event_name,
        {{ pseudonymize_emails('user_id') }} as raw_user_id,
        {{ pseudonymize_emails('anonymous_id') }} as raw_anonymous_id,
        {{ pseudonymize_emails('account_id') }} as raw_account_id,
        {{ redact_emails('occurred_at') }} as raw_occurred_at,
        {{ redact_emails('properties') }} as raw_properties,
        received_at,
        raw_row_key
    from source_events
),

cleaned as (
    select
        raw_event_id,
        raw_event_name,
        raw_user_id,
        raw_anonymous_id,
        raw_account_id,
        raw_occurred_at,
        raw_properties,
        received_at,
        raw_row_key,
        {{ blank_to_null('raw_event_id') }} as event_id,
        {{ normalize_event_name('raw_event_name') }} as event_name,
        {{ blank_to_null('raw_user_id') }} as user_id,
        {{ blank_to_null('raw_anonymous_id') }} as anonymous_id,
        {{ blank_to_null('raw_account_id') }} as account_id,
        {{ parse_iso8601_utc('raw_occurred_at') }} as occurred_at,
        {{ json_object_or_null('raw_properties') }} as properties
    from without_emails
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
        raw_row_key,
        event_id,
        event_name,
        user_id,
        anonymous_id,
        account_id,
        occurred_at,
        properties,
        -- Absent properties are not invalid: only text that is not a JSON object is.
        (raw_properties is null or properties is not null) as has_valid_properties
    from cleaned
)

select * from final
