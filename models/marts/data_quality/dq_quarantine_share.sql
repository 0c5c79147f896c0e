-- Quarantine share per day and reason: of the raw event rows received that day (UTC
-- date of received_at, the only time every raw row has), the share refused for each
-- quarantine reason (seed quarantine_reasons, every reason on every day, zeros
-- included). A release that sends a malformed timestamp or drops the event id sends a
-- reason's share up at once. The day is judged on the Wilson 95% lower bound of the
-- share (see _data_quality__docs.md, dq_quarantine_share); a day of fewer than
-- dq_min_judged_rows raw rows is shown but not judged.

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

measured as (
    select
        *,
        {{ dq_share('quarantined_rows', 'raw_rows') }} as quarantine_share,
        {{ dq_share_bound('quarantined_rows', 'raw_rows', 'above') }} as share_lower_bound
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
        'quarantine_share' as check_name,
        'raw.events' as table_name,
        check_date,
        reason,
        rule_order,
        raw_rows,
        quarantined_rows,
        quarantine_share,
        share_lower_bound,
        {{ stat_to_double(warn_above) }} as warn_above,
        {{ stat_to_double(error_above) }} as error_above,
        status,
        {{ dbt.concat([
            "cast(quarantined_rows as " ~ text ~ ")", "' of '", "cast(raw_rows as " ~ text ~ ")",
            "' raw rows received were quarantined as '", "reason", "' ('",
            dq_share_text('quarantine_share', 'share_lower_bound', 'verdict', 'above'), "')'"
        ]) }} as status_reason
    from verdicts
)

{{ dq_with_incident_status('final') }}
