-- MetricFlow's time spine: one row per day, from the earliest believable event date (var
-- min_event_date) to the end of the youngest user's activation window (the as-of date +
-- activation_window_days), so every signup, connection, first value and session that a
-- metric counts falls on a day of the spine. The semantic layer joins it only for queries
-- that need every day (cumulative or gap-filled metrics); dbt builds it like any mart.

{%- set window_days = setting('activation_window_days') %}

with

as_of as (
    select as_of from {{ ref('int_as_of') }}
),

-- 0 to 99,999 days (about 270 years): far more than any as-of time after min_event_date.
day_offsets as (
    {{ integer_sequence(5, 'day_offset') }}
),

days as (
    select
        cast(
            {{ dbt.dateadd('day', 'day_offsets.day_offset', "cast('" ~ setting('min_event_date') ~ "' as date)") }}
            as date
        ) as date_day
    from day_offsets
),

final as (
    select days.date_day
    from days
    cross join as_of
    where days.date_day <= cast({{ dbt.dateadd('day', window_days, 'as_of.as_of') }} as date)
)

select * from final
