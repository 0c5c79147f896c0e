-- Raw event rows refused by the cleaning rules, as received, each with the first rule it
-- broke. Nothing is dropped silently: a row is here, in fct_events or in event_duplicates.
--
-- Incremental (docs/incremental-builds.md; delete+insert on received_at): a run replaces
-- the rows received from its run window on (macro raw_rows_of_fate).

{{
    config(
        materialized=event_grain_materialization(),
        incremental_strategy='delete+insert',
        unique_key='received_at',
        on_schema_change='fail'
    )
}}

with

classified as (
    {{ raw_rows_of_fate('quarantined') }}
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
)

select * from final
