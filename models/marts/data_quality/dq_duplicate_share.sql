-- Duplicate share per day: of the raw event rows received that day (UTC date of
-- received_at), the share that repeat the event_id of a clean event (tracker retries;
-- the first delivery is kept, see int_events__classified). Retries are normal in small
-- numbers; a batch delivered twice (a replayed file, a collector that re-sent its
-- buffer) sends the share up on the day it arrived. Judged on the Wilson 95% lower bound
-- of the share (see _data_quality__docs.md, dq_duplicate_share); a day of fewer than
-- dq_min_judged_rows raw rows is shown but not judged. The share is also judged over the
-- trailing dq_window_days days against tightened thresholds; status is the worse verdict
-- (the chain: macros/data_quality/dq_share_verdict.sql).

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

verdicts as (
    {{ dq_share_verdict(
        'daily', window_keys=[], successes='duplicate_rows', trials='raw_rows',
        share='duplicate_share', bound='share_lower_bound',
        warn=warn_above, error=error_above, direction='above',
        day_reason=[
            "cast(duplicate_rows as " ~ text ~ ")", "' of '", "cast(raw_rows as " ~ text ~ ")",
            "' raw rows received repeat an event_id already kept ('", "share_text", "')'"
        ]
    ) }}
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
        window_rows,
        window_share,
        window_bound,
        window_status,
        {{ stat_to_double(warn_above) }} as warn_above,
        {{ stat_to_double(error_above) }} as error_above,
        status,
        status_reason
    from verdicts
)

{{ dq_with_incident_status('final') }}
