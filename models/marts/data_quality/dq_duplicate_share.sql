-- Duplicate share per day: of the raw event rows received that day (UTC date of
-- received_at), the share that repeat the event_id of a clean event (tracker retries;
-- the first delivery is kept, see int_events__classified). Retries are normal in small
-- numbers; a batch delivered twice (a replayed file, a collector that re-sent its
-- buffer) sends the share up on the day it arrived. Judged on the Wilson 95% lower bound
-- of the share (see _data_quality__docs.md, dq_duplicate_share); a day of fewer than
-- dq_min_judged_rows raw rows is shown but not judged.

{%- set warn_above = setting('dq_duplicate_share_warn_above') %}
{%- set error_above = setting('dq_duplicate_share_error_above') %}
{%- set text = dbt.type_string() %}

with

raw_rows as (
    select
        cast(received_at as date) as check_date,
        event_outcome
    from {{ ref('int_events__classified') }}
),

daily as (
    select
        check_date,
        count(*) as raw_rows,
        cast(sum(case when event_outcome = 'duplicate' then 1 else 0 end) as {{ dbt.type_bigint() }})
            as duplicate_rows
    from raw_rows
    group by check_date
),

measured as (
    select
        *,
        {{ dq_share('duplicate_rows', 'raw_rows') }} as duplicate_share,
        {{ dq_share_bound('duplicate_rows', 'raw_rows', 'above') }} as share_lower_bound
    from daily
),

judged as (
    select
        *,
        {{ dq_share_status('share_lower_bound', 'raw_rows', warn_above, error_above, 'above') }} as status
    from measured
),

verdicts as (
    select
        *,
        {{ dq_verdict('status', warn_above, error_above, 'above') }} as verdict
    from judged
),

final as (
    select
        'duplicate_share' as check_name,
        'raw.events' as table_name,
        check_date,
        raw_rows,
        duplicate_rows,
        duplicate_share,
        share_lower_bound,
        {{ stat_to_double(warn_above) }} as warn_above,
        {{ stat_to_double(error_above) }} as error_above,
        status,
        {{ dbt.concat([
            "cast(duplicate_rows as " ~ text ~ ")", "' of '", "cast(raw_rows as " ~ text ~ ")",
            "' raw rows received repeat an event_id already kept ('",
            dq_share_text('duplicate_share', 'share_lower_bound', 'verdict', 'above'), "')'"
        ]) }} as status_reason
    from verdicts
)

{{ dq_with_incident_status('final') }}
