-- Daily volume per event name against its own trailing baseline: a silent tracking break
-- (a release that stops sending an event, a renamed event, a broken SDK) shows up as a
-- day whose clean events fall far below what the name usually gets. One row per event
-- name and day (occurred_at date, UTC), from the name's first day to the last day of
-- clean data, zero-event days included (a break is a missing row otherwise).
--
-- The rule (see _data_quality__docs.md, dq_event_volume): over the trailing
-- `dq_volume_baseline_days` days (28) before the day, take the median and the median
-- absolute deviation (MAD) of the square root of the daily count (the square root makes
-- a count's noise about the same at every volume); the score is
--     (sqrt(events) - median) / greatest(1.4826 x MAD, 0.5)
-- a robust z-score whose spread never drops below 0.5, the noise of a square-rooted
-- Poisson count. A drop scoring at or below minus `dq_volume_warn_score` (4.5) warns, at
-- or below minus `dq_volume_error_score` (6) errors; a day with fewer than
-- `dq_volume_min_baseline_days` (14) days of history is not judged. Rises are scored but
-- not judged: growth is normal, and duplicated deliveries are dq_duplicate_share's job.

{%- set baseline_days = setting('dq_volume_baseline_days') %}
{%- set min_baseline_days = setting('dq_volume_min_baseline_days') %}
{%- set warn_score = setting('dq_volume_warn_score') %}
{%- set error_score = setting('dq_volume_error_score') %}
{%- set text = dbt.type_string() %}

with

events as (
    select
        event_name,
        is_in_tracking_plan,
        cast(occurred_at as date) as event_date
    from {{ ref('int_events__resolved') }}
),

-- 0 to 9999: the spine reaches back at most 10,000 days from the last day of data.
day_offsets as (
    {{ integer_sequence(4, 'day_offset') }}
),

-- The events are read once, counted per name and day; the parts below read the counts (a
-- CTE that several parts read is materialised whole by DuckDB and PostgreSQL).
name_day_counts as (
    select
        event_name,
        event_date,
        is_in_tracking_plan,
        count(*) as events
    from events
    group by
        event_name,
        event_date,
        is_in_tracking_plan
),

event_names as (
    select
        event_name,
        min(case when is_in_tracking_plan then 1 else 0 end) = 1 as is_in_tracking_plan,
        min(event_date) as first_date
    from name_day_counts
    group by event_name
),

-- A day is judged once the collector has received past its end: the day still being
-- collected (the last one, in a pipeline that loads every hour) has a partial count.
received_through as (
    select max(received_at) as latest_received_at
    from {{ ref('int_events__resolved') }}
),

last_day as (
    select max(event_date) as last_date
    from name_day_counts
),

spine as (
    select
        event_names.event_name,
        event_names.is_in_tracking_plan,
        cast({{ dbt.dateadd('day', '-1 * day_offsets.day_offset', 'last_day.last_date') }} as date) as check_date
    from event_names
    cross join last_day
    inner join day_offsets
        on day_offsets.day_offset <= {{ dbt.datediff('event_names.first_date', 'last_day.last_date', 'day') }}
),

daily_counts as (
    select
        event_name,
        event_date,
        cast(sum(events) as {{ dbt.type_bigint() }}) as events
    from name_day_counts
    group by
        event_name,
        event_date
),

daily as (
    select
        spine.event_name,
        spine.is_in_tracking_plan,
        spine.check_date,
        coalesce(daily_counts.events, 0) as events,
        sqrt({{ stat_to_double('coalesce(daily_counts.events, 0)') }}) as root_events
    from spine
    left join daily_counts
        on spine.event_name = daily_counts.event_name
        and spine.check_date = daily_counts.event_date
),

-- Each day meets the days of its trailing window (the day itself excluded).
window_days as (
    select
        judged_day.event_name,
        judged_day.check_date,
        window_day.events as window_events,
        window_day.root_events as window_root_events
    from daily as judged_day
    inner join daily as window_day
        on judged_day.event_name = window_day.event_name
        and judged_day.check_date > window_day.check_date
        and {{ dbt.dateadd('day', -1 * baseline_days, 'judged_day.check_date') }} <= window_day.check_date
),

baselines as (
    select
        event_name,
        check_date,
        count(*) as baseline_days,
        percentile_cont(0.5) within group (order by window_events) as baseline_median,
        percentile_cont(0.5) within group (order by window_root_events) as baseline_root_median
    from window_days
    group by
        event_name,
        check_date
),

deviations as (
    select
        window_days.event_name,
        window_days.check_date,
        abs(window_days.window_root_events - baselines.baseline_root_median) as root_deviation
    from window_days
    inner join baselines
        on window_days.event_name = baselines.event_name
        and window_days.check_date = baselines.check_date
),

spreads as (
    select
        event_name,
        check_date,
        percentile_cont(0.5) within group (order by root_deviation) as baseline_root_mad
    from deviations
    group by
        event_name,
        check_date
),

scored as (
    select
        daily.event_name,
        daily.is_in_tracking_plan,
        daily.check_date,
        daily.events,
        coalesce(baselines.baseline_days, 0) as baseline_days,
        {{ stat_to_double('baselines.baseline_median') }} as baseline_median,
        {{ stat_to_double('baselines.baseline_root_median') }} as baseline_root_median,
        {{ stat_to_double('spreads.baseline_root_mad') }} as baseline_root_mad,
        case
            when 1.4826 * spreads.baseline_root_mad > 0.5 then 1.4826 * spreads.baseline_root_mad
            else 0.5
        end as baseline_root_spread,
        daily.root_events,
        {{ dbt.dateadd('day', 1, 'daily.check_date') }} <= received_through.latest_received_at as is_day_over
    from daily
    cross join received_through
    left join baselines
        on daily.event_name = baselines.event_name
        and daily.check_date = baselines.check_date
    left join spreads
        on daily.event_name = spreads.event_name
        and daily.check_date = spreads.check_date
),

judged as (
    select
        event_name,
        is_in_tracking_plan,
        check_date,
        events,
        baseline_days,
        baseline_median,
        baseline_root_mad,
        is_day_over,
        case
            when baseline_days >= {{ min_baseline_days }} and is_day_over
                then {{ stat_to_double('(root_events - baseline_root_median) / baseline_root_spread') }}
        end as volume_score,
        case
            when baseline_median > 0 then {{ stat_to_double('events') }} / baseline_median
        end as volume_ratio
    from scored
),

classified as (
    select
        *,
        case
            when volume_score is null then 'not_judged'
            else {{ dq_threshold_status('volume_score', '<=', '-' ~ warn_score, '-' ~ error_score) }}
        end as status
    from judged
),

verdicts as (
    select
        *,
        case
            when status = 'error' then 'a drop at or below the error score -{{ error_score }}'
            when status = 'warn' then 'a drop at or below the warning score -{{ warn_score }}'
            when status = 'not_judged' and not is_day_over
                then 'not judged: the day is not over (a partial count)'
            when status = 'not_judged' then 'not judged: fewer than {{ min_baseline_days }} days of history'
            else 'within the thresholds'
        end as verdict
    from classified
),

final as (
    select
        'event_volume' as check_name,
        'raw.events' as table_name,
        check_date,
        event_name,
        is_in_tracking_plan,
        events,
        baseline_days,
        baseline_median,
        baseline_root_mad,
        volume_ratio,
        volume_score,
        {{ stat_to_double(warn_score) }} as warn_score,
        {{ stat_to_double(error_score) }} as error_score,
        status in ('warn', 'error') as is_anomaly,
        status,
        {{ dbt.concat([
            "cast(events as " ~ text ~ ")", "' clean '", "event_name",
            "' events against a median of '", "coalesce(cast(cast(baseline_median as decimal(18, 1)) as " ~ text ~ "), 'none')",
            "' over the previous '", "cast(baseline_days as " ~ text ~ ")", "' days (score '",
            "coalesce(cast(cast(volume_score as decimal(18, 2)) as " ~ text ~ "), 'none')", "', '", "verdict", "')'"
        ]) }} as status_reason
    from verdicts
)

{{ dq_with_incident_status('final') }}
