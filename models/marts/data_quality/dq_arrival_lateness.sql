-- Arrival lateness per day: how long after it occurred each clean event reached the
-- collector (received_at minus occurred_at, exact elapsed hours), by the day it occurred
-- (UTC). Offline clients flushing their queue arrive hours or days late; a day whose
-- events keep arriving late is incomplete when first built, and its funnels move on
-- later rebuilds. An event is late when it arrives more than `dq_late_after_hours` (24)
-- after it occurred; the day is judged on the Wilson 95% lower bound of its late share
-- (see _data_quality__docs.md, dq_arrival_lateness). Negative lateness (a client clock
-- slightly ahead, within the quarantine's tolerance) is kept as measured, never late. A
-- day of fewer than dq_min_judged_rows events is shown but not judged. The late share is
-- also judged over the trailing dq_window_days days against tightened thresholds
-- (macros/data_quality/dq_window.sql); status is the worse verdict.

{%- set late_after_hours = setting('dq_late_after_hours') %}
{%- set warn_above = setting('dq_late_share_warn_above') %}
{%- set error_above = setting('dq_late_share_error_above') %}
{%- set window_warn_above = dq_window_threshold(warn_above, 'above') %}
{%- set window_error_above = dq_window_threshold(error_above, 'above') %}
{%- set text = dbt.type_string() %}

with

events as (
    select
        cast(occurred_at as date) as check_date,
        {{ elapsed_seconds('occurred_at', 'received_at') }} / 3600.0 as lateness_hours
    from {{ ref('int_events__resolved') }}
),

daily as (
    select
        check_date,
        count(*) as events,
        cast(sum(case when lateness_hours > {{ late_after_hours }} then 1 else 0 end) as {{ dbt.type_bigint() }})
            as late_events,
        percentile_cont(0.5) within group (order by lateness_hours) as median_lateness_hours,
        percentile_cont(0.95) within group (order by lateness_hours) as p95_lateness_hours,
        percentile_cont(0.99) within group (order by lateness_hours) as p99_lateness_hours,
        max(lateness_hours) as max_lateness_hours
    from events
    group by check_date
),

window_sums as (
    {{ dq_window_sums('daily', [], ['late_events', 'events']) }}
),

measured as (
    select
        daily.check_date,
        daily.events,
        daily.late_events,
        {{ dq_share('daily.late_events', 'daily.events') }} as late_share,
        {{ dq_share_bound('daily.late_events', 'daily.events', 'above') }} as late_share_lower_bound,
        {{ stat_to_double('daily.median_lateness_hours') }} as median_lateness_hours,
        {{ stat_to_double('daily.p95_lateness_hours') }} as p95_lateness_hours,
        {{ stat_to_double('daily.p99_lateness_hours') }} as p99_lateness_hours,
        {{ stat_to_double('daily.max_lateness_hours') }} as max_lateness_hours,
        window_sums.window_late_events,
        window_sums.window_events as window_rows,
        {{ dq_share('window_sums.window_late_events', 'window_sums.window_events') }} as window_share,
        {{ dq_share_bound('window_sums.window_late_events', 'window_sums.window_events', 'above') }}
            as window_bound
    from daily
    inner join window_sums
        on daily.check_date = window_sums.check_date
),

judged as (
    select
        *,
        {{ dq_share_status('late_share_lower_bound', 'events', warn_above, error_above, 'above') }} as day_status,
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
        'arrival_lateness' as check_name,
        'raw.events' as table_name,
        check_date,
        events,
        late_events,
        late_share,
        late_share_lower_bound,
        window_rows,
        window_share,
        window_bound,
        window_status,
        median_lateness_hours,
        p95_lateness_hours,
        p99_lateness_hours,
        max_lateness_hours,
        {{ late_after_hours }} as late_after_hours,
        {{ stat_to_double(warn_above) }} as warn_above,
        {{ stat_to_double(error_above) }} as error_above,
        status,
        {{ dq_reason_with_window(
            dbt.concat([
                "cast(late_events as " ~ text ~ ")", "' of '", "cast(events as " ~ text ~ ")",
                "' clean events arrived more than " ~ late_after_hours ~ " hours after they occurred ('",
                dq_share_text('late_share', 'late_share_lower_bound', 'verdict', 'above'),
                "'; 99th percentile '", "cast(cast(p99_lateness_hours as decimal(18, 1)) as " ~ text ~ ")", "' hours)'"
            ]),
            'day_status', 'window_status', 'window_late_events', 'window_rows', 'window_share',
            'window_bound', window_warn_above, window_error_above, 'above', unit='events'
        ) }} as status_reason
    from verdicts
)

{{ dq_with_incident_status('final') }}
