-- The data clock of the data-quality judgement (one row): the latest raw received_at, the
-- collector's clock, never the wall clock, so a rebuild of the same data judges the same
-- way. A breach is judged (can fail a build) when its day is at most
-- `dq_judged_recent_days` days before the clock's day, or its day was restated (see
-- int_dq_restated_days); older breaches are shown as historical. The acknowledgements'
-- acknowledged_until is compared with data_clock_date too.

{%- set judged_recent_days = setting('dq_judged_recent_days') %}

with

raw_events as (
    select received_at
    from {{ ref('stg_tracker__events') }}
),

clock as (
    select max(received_at) as data_clock_at
    from raw_events
),

final as (
    select
        data_clock_at,
        cast(data_clock_at as date) as data_clock_date,
        {{ judged_recent_days }} as judged_recent_days,
        cast({{ dbt.dateadd('day', -1 * judged_recent_days, 'cast(data_clock_at as date)') }} as date)
            as judged_from_date,
        {{ dbt.dateadd('day', -1 * judged_recent_days, 'data_clock_at') }} as restated_detected_from
    from clock
)

select * from final
