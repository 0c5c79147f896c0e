-- Duplicate share per day: of the raw event rows received that day (UTC date of
-- received_at), the share that repeat the event_id of a clean event (tracker retries;
-- the first delivery is kept, see int_events__classified). Retries are normal in small
-- numbers; a batch delivered twice (a replayed file, a collector that re-sent its
-- buffer) sends the share up on the day it arrived. Judged on the Wilson 95% lower bound
-- of the share (see _data_quality__docs.md, dq_duplicate_share); a day of fewer than
-- dq_min_judged_rows raw rows is shown but not judged. The share is also judged over the
-- trailing dq_window_days days against tightened thresholds (macros/data_quality/dq_window.sql);
-- status is the worse verdict.

{%- set warn_above = setting('dq_duplicate_share_warn_above') %}
{%- set error_above = setting('dq_duplicate_share_error_above') %}
{%- set window_warn_above = dq_window_threshold(warn_above, 'above') %}
{%- set window_error_above = dq_window_threshold(error_above, 'above') %}
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

window_sums as (
    {{ dq_window_sums('daily', [], ['duplicate_rows', 'raw_rows']) }}
),

measured as (
    select
        daily.*,
        {{ dq_share('daily.duplicate_rows', 'daily.raw_rows') }} as duplicate_share,
        {{ dq_share_bound('daily.duplicate_rows', 'daily.raw_rows', 'above') }} as share_lower_bound,
        window_sums.window_duplicate_rows,
        window_sums.window_raw_rows as window_rows,
        {{ dq_share('window_sums.window_duplicate_rows', 'window_sums.window_raw_rows') }} as window_share,
        {{ dq_share_bound('window_sums.window_duplicate_rows', 'window_sums.window_raw_rows', 'above') }}
            as window_bound
    from daily
    inner join window_sums
        on daily.check_date = window_sums.check_date
),

judged as (
    select
        *,
        {{ dq_share_status('share_lower_bound', 'raw_rows', warn_above, error_above, 'above') }} as day_status,
        {{ dq_window_status('window_bound', 'window_rows', window_warn_above, window_error_above, 'above') }}
            as window_status
    from measured
),

verdicts as (
    select
        *,
        {{ dq_worse_status('day_status', 'window_status') }} as status,
        {{ dq_verdict('day_status', warn_above, error_above, 'above') }} as verdict
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
        window_rows,
        window_share,
        window_bound,
        window_status,
        {{ stat_to_double(warn_above) }} as warn_above,
        {{ stat_to_double(error_above) }} as error_above,
        status,
        {{ dq_reason_with_window(
            dbt.concat([
                "cast(duplicate_rows as " ~ text ~ ")", "' of '", "cast(raw_rows as " ~ text ~ ")",
                "' raw rows received repeat an event_id already kept ('",
                dq_share_text('duplicate_share', 'share_lower_bound', 'verdict', 'above'), "')'"
            ]),
            'day_status', 'window_status', 'window_duplicate_rows', 'window_rows', 'window_share',
            'window_bound', window_warn_above, window_error_above, 'above'
        ) }} as status_reason
    from verdicts
)

{{ dq_with_incident_status('final') }}
