-- Raw event rows that repeat the event_id of a clean event (tracker retries), as
-- received. The clean event kept is the first delivery (see int_events__classified).
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
    {{ raw_rows_of_fate('duplicate') }}
),

final as (
    select
        raw_event_id as event_id,
        raw_event_name as event_name,
        raw_user_id as user_id,
        raw_anonymous_id as anonymous_id,
        raw_account_id as account_id,
        raw_occurred_at as occurred_at,
        received_at,
        raw_properties as properties,
        {{ row_fingerprint([
            'raw_event_id', 'raw_event_name', 'raw_user_id', 'raw_anonymous_id', 'raw_account_id',
            'raw_occurred_at', 'received_at', 'raw_properties'
        ]) }} as row_fingerprint
    from classified
)

select * from final
