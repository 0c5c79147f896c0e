-- Quarantine share per day and reason: of the raw event rows received that day (UTC
-- date of received_at, the only time every raw row has), the share refused for each
-- quarantine reason (seed quarantine_reasons, every reason on every day, zeros
-- included). A release that sends a malformed timestamp or drops the event id sends a
-- reason's share up at once. The day is judged on the Wilson 95% lower bound of the
-- share (see _data_quality__docs.md, dq_quarantine_share); a day of fewer than
-- dq_min_judged_rows raw rows is shown but not judged. Each reason is also judged over the
-- trailing dq_window_days days against tightened thresholds (macros/data_quality/dq_window.sql),
-- so a few percent quarantined on every day is caught; status is the worse verdict.

{%- set warn_above = setting('dq_quarantine_share_warn_above') %}
{%- set error_above = setting('dq_quarantine_share_error_above') %}
{%- set window_warn_above = dq_window_threshold(warn_above, 'above') %}
{%- set window_error_above = dq_window_threshold(error_above, 'above') %}
{%- set text = dbt.type_string() %}

with

raw_rows as (
    select
        cast(received_at as date) as check_date,
        event_outcome,
        quarantine_reason
    from {{ ref('int_events__classified') }}
),

reasons as (
    select
        reason,
        rule_order
    from {{ ref('quarantine_reasons') }}
),

daily_rows as (
    select
        check_date,
        count(*) as raw_rows
    from raw_rows
    group by check_date
),

daily_quarantined as (
    select
        check_date,
        quarantine_reason,
        count(*) as quarantined_rows
    from raw_rows
    where event_outcome = 'quarantined'
    group by
        check_date,
        quarantine_reason
),

daily as (
    select
        daily_rows.check_date,
        reasons.reason,
        reasons.rule_order,
        daily_rows.raw_rows,
        coalesce(daily_quarantined.quarantined_rows, 0) as quarantined_rows
    from daily_rows
    cross join reasons
    left join daily_quarantined
        on daily_rows.check_date = daily_quarantined.check_date
        and reasons.reason = daily_quarantined.quarantine_reason
),

window_sums as (
    {{ dq_window_sums('daily', ['reason'], ['quarantined_rows', 'raw_rows']) }}
),

measured as (
    select
        daily.*,
        {{ dq_share('daily.quarantined_rows', 'daily.raw_rows') }} as quarantine_share,
        {{ dq_share_bound('daily.quarantined_rows', 'daily.raw_rows', 'above') }} as share_lower_bound,
        window_sums.window_quarantined_rows,
        window_sums.window_raw_rows as window_rows,
        {{ dq_share('window_sums.window_quarantined_rows', 'window_sums.window_raw_rows') }} as window_share,
        {{ dq_share_bound('window_sums.window_quarantined_rows', 'window_sums.window_raw_rows', 'above') }}
            as window_bound
    from daily
    inner join window_sums
        on daily.reason = window_sums.reason
        and daily.check_date = window_sums.check_date
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
        'quarantine_share' as check_name,
        'raw.events' as table_name,
        check_date,
        reason,
        rule_order,
        raw_rows,
        quarantined_rows,
        quarantine_share,
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
                "cast(quarantined_rows as " ~ text ~ ")", "' of '", "cast(raw_rows as " ~ text ~ ")",
                "' raw rows received were quarantined as '", "reason", "' ('",
                dq_share_text('quarantine_share', 'share_lower_bound', 'verdict', 'above'), "')'"
            ]),
            'day_status', 'window_status', 'window_quarantined_rows', 'window_rows', 'window_share',
            'window_bound', window_warn_above, window_error_above, 'above'
        ) }} as status_reason
    from verdicts
)

{{ dq_with_incident_status('final') }}
