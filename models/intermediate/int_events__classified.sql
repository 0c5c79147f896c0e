-- Every raw event row with its fate: clean, quarantined (with the first rule it breaks,
-- in the spec's order) or a duplicate of a clean row. The marts event_quarantine,
-- event_duplicates and fct_events each take one fate, so every raw row ends in exactly
-- one place and the reconciliation test can prove it.
--
-- Incremental (docs/incremental-builds.md): a run re-judges every raw row received at or
-- after its window's received_from (int_run_window: the latest received_at already judged
-- - var incremental_lookback_hours) and replaces the rows of those received_at values
-- (delete+insert). A row's fate depends
-- only on itself and on the rows with its event_id received before it, so rows received
-- earlier keep their fate, and a re-judged row whose event_id was kept by an earlier run
-- is a later delivery: a duplicate. Rows that land further behind the lookback are never
-- judged; tests/incremental counts them and the reconciliation test fails.

{{
    config(
        materialized=event_grain_materialization(),
        incremental_strategy='delete+insert',
        unique_key='received_at',
        column_compression={'event_id': 'zstd'},
        on_schema_change='fail'
    )
}}

{{- run_window_dependency() }}

{%- set incremental_run = is_incremental() %}
{%- set ranked_by_row_key = raw_row_key_is_available() %}

{#- The raw rows this run judges: every scan of stg_tracker__events reads only these. -#}
{%- set in_run_window = 'received_at >= ' ~ run_window('received_from') if incremental_run else none %}
{%- set judged_rows %}
    {%- if in_run_window %}
    where {{ in_run_window }}
    {%- endif %}
{%- endset %}

{#- The first rule a row breaks, in the spec's order; null for a row that passes. -#}
{%- set quarantine_reason %}
        case
            when event_id is null then 'missing_event_id'
            when occurred_at is null then 'unparseable_occurred_at'
            when occurred_at < cast('{{ setting("min_event_date") }}' as {{ dbt.type_timestamp() }})
                then 'occurred_before_min_date'
            when occurred_at > {{ dbt.dateadd('day', setting('max_clock_skew_days'), 'received_at') }}
                then 'occurred_after_received'
            when user_id is null and anonymous_id is null then 'missing_identity'
            when event_name is null then 'missing_event_name'
        end
{%- endset %}

{#- Retries repeat an event_id: the first delivery wins. The rest of the raw row breaks
    the last ties, so a rebuild keeps the same row; it is compared only on ties, where
    hashing every row first would cost a pass over all of them. -#}
{%- set delivery_order %}
                    order by
                        received_at,
                        occurred_at,
                        raw_event_name nulls last,
                        raw_user_id nulls last,
                        raw_anonymous_id nulls last,
                        raw_account_id nulls last,
                        raw_occurred_at nulls last,
                        raw_properties nulls last
{%- endset %}

with

events as (
    select * from {{ ref('stg_tracker__events') }}
    {{- judged_rows }}
),

judged as (
    select
        *,
        {{ quarantine_reason }} as quarantine_reason
    from events
),

{% if ranked_by_row_key %}
    -- The ranking by row key (macro raw_row_key): only the clean deliveries of an id
    -- that repeats are ranked, and by their key alone does a rank find its row. Each
    -- part reads stg_tracker__events itself: the key's filter then reaches the scan, so
    -- only the repeated rows are parsed twice.
    repeated_ids as (
        select event_id
        from {{ ref('stg_tracker__events') }}
        {{- judged_rows }}
        group by event_id
        -- (The rows without an id form one group here, which no id equals below.)
        having count(*) > 1
    ),

    repeated_row_keys as (
        select raw_row_key
        from {{ ref('stg_tracker__events') }}
        where
            event_id in (select repeated_ids.event_id from repeated_ids)
            {%- if in_run_window %}
            and {{ in_run_window }}
            {%- endif %}
    ),

    repeated_deliveries as (
        select
            *,
            {{ quarantine_reason }} as quarantine_reason
        from {{ ref('stg_tracker__events') }}
        where raw_row_key in (select repeated_row_keys.raw_row_key from repeated_row_keys)
    ),

    delivery_ranks as (
        select
            raw_row_key,
            row_number() over (
                partition by event_id
                {{- delivery_order }}
            ) as delivery_rank
        from repeated_deliveries
        where quarantine_reason is null
    ),

    ranked as (
        select
            judged.*,
            case
                when judged.quarantine_reason is null then coalesce(delivery_ranks.delivery_rank, 1)
            end as delivery_rank
        from judged
        left join delivery_ranks
            on judged.raw_row_key = delivery_ranks.raw_row_key
    ),

{% else %}
    ranked as (
        select
            *,
            case
                when quarantine_reason is null then
                    row_number() over (
                        partition by event_id, quarantine_reason is null
                        {{- delivery_order }}
                    )
            end as delivery_rank
        from judged
    ),

{% endif %}
{% if incremental_run %}
    -- Event ids kept by an earlier run: those deliveries were received before every row
    -- judged now, so they stay first.
    kept_earlier as (
        select event_id
        from {{ this }}
        where
            event_outcome = 'clean'
            and received_at < {{ run_window('received_from') }}
            and event_id in (select event_id from judged where quarantine_reason is null)
    ),

{% endif %}

outcomes as (
    select
        ranked.*,
        case
            when ranked.quarantine_reason is not null then 'quarantined'
            {%- if incremental_run %}
            when kept_earlier.event_id is not null then 'duplicate'
            {%- endif %}
            when ranked.delivery_rank = 1 then 'clean'
            else 'duplicate'
        end as event_outcome
    from ranked
    {%- if incremental_run %}
    left join kept_earlier
        on ranked.event_id = kept_earlier.event_id
    {%- endif %}
),

-- A clean row is read on in its cleaned form and a refused one as received, so each keeps
-- only that half (the other is null): writing both halves of ten million rows cost about
-- as much as judging them (README, "Performance").
final as (
    select
        case when event_outcome != 'clean' then raw_event_id end as raw_event_id,
        case when event_outcome != 'clean' then raw_event_name end as raw_event_name,
        case when event_outcome != 'clean' then raw_user_id end as raw_user_id,
        case when event_outcome != 'clean' then raw_anonymous_id end as raw_anonymous_id,
        case when event_outcome != 'clean' then raw_account_id end as raw_account_id,
        case when event_outcome != 'clean' then raw_occurred_at end as raw_occurred_at,
        case when event_outcome != 'clean' then raw_properties end as raw_properties,
        received_at,
        event_id,
        case when event_outcome = 'clean' then event_name end as event_name,
        case when event_outcome = 'clean' then user_id end as user_id,
        case when event_outcome = 'clean' then anonymous_id end as anonymous_id,
        case when event_outcome = 'clean' then account_id end as account_id,
        case when event_outcome = 'clean' then occurred_at end as occurred_at,
        case when event_outcome = 'clean' then properties end as properties,
        has_valid_properties,
        quarantine_reason,
        event_outcome
    from outcomes
)

select * from final
