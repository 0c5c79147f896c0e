-- Quarantine share per day and reason: of the raw event rows received that day (UTC
-- date of received_at, the only time every raw row has), the share refused for each
-- quarantine reason (seed quarantine_reasons, every reason on every day, zeros
-- included). A release that sends a malformed timestamp or drops the event id sends a
-- reason's share up at once. The day is judged on the Wilson 95% lower bound of the
-- share (see _data_quality__docs.md, dq_quarantine_share); a day of fewer than
-- dq_min_judged_rows raw rows is shown but not judged. Each reason is also judged over the
-- trailing dq_window_days days against tightened thresholds, so a few percent quarantined
-- on every day is caught; status is the worse verdict (the chain:
-- macros/data_quality/dq_share_verdict.sql).

{%- set warn_above = setting('dq_quarantine_share_warn_above') %}
{%- set error_above = setting('dq_quarantine_share_error_above') %}
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

verdicts as (
    {{ dq_share_verdict(
        'daily', window_keys=['reason'], successes='quarantined_rows', trials='raw_rows',
        share='quarantine_share', bound='share_lower_bound',
        warn=warn_above, error=error_above, direction='above',
        day_reason=[
            "cast(quarantined_rows as " ~ text ~ ")", "' of '", "cast(raw_rows as " ~ text ~ ")",
            "' raw rows received were quarantined as '", "reason", "' ('", "share_text", "')'"
        ]
    ) }}
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
        status_reason
    from verdicts
)

{{ dq_with_incident_status('final') }}
