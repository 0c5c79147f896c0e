-- Arrival lateness per day: how long after it occurred each clean event reached the
-- collector (received_at minus occurred_at, exact elapsed hours), by the day it occurred
-- (UTC). Offline clients flushing their queue arrive hours or days late; a day whose
-- events keep arriving late is incomplete when first built, and its funnels move on
-- later rebuilds. An event is late when it arrives more than `dq_late_after_hours` (24)
-- after it occurred; the day is judged on the Wilson 95% lower bound of its late share
-- (see _data_quality__docs.md, dq_arrival_lateness). Negative lateness (a client clock
-- slightly ahead, within the quarantine's tolerance) is kept as measured, never late. A
-- day of fewer than dq_min_judged_rows events is shown but not judged. The late share is
-- also judged over the trailing dq_window_days days against tightened thresholds; status
-- is the worse verdict (the chain: macros/data_quality/dq_share_verdict.sql).

{%- set late_after_hours = setting('dq_late_after_hours') %}
{%- set warn_above = setting('dq_late_share_warn_above') %}
{%- set error_above = setting('dq_late_share_error_above') %}
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

measured as (
    select
        check_date,
        events,
        late_events,
        {{ stat_to_double('median_lateness_hours') }} as median_lateness_hours,
        {{ stat_to_double('p95_lateness_hours') }} as p95_lateness_hours,
        {{ stat_to_double('p99_lateness_hours') }} as p99_lateness_hours,
        {{ stat_to_double('max_lateness_hours') }} as max_lateness_hours
    from daily
),

-- day_unit: the day's "not judged" clause has always said rows, the window's events.
verdicts as (
    {{ dq_share_verdict(
        'measured', window_keys=[], successes='late_events', trials='events',
        share='late_share', bound='late_share_lower_bound',
        warn=warn_above, error=error_above, direction='above',
        day_reason=[
            "cast(late_events as " ~ text ~ ")", "' of '", "cast(events as " ~ text ~ ")",
            "' clean events arrived more than " ~ late_after_hours ~ " hours after they occurred ('", "share_text",
            "'; 99th percentile '", "cast(cast(p99_lateness_hours as decimal(18, 1)) as " ~ text ~ ")", "' hours)'"
        ],
        unit='events', day_unit='rows'
    ) }}
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
        status_reason
    from verdicts
)

{{ dq_with_incident_status('final') }}
