-- The days each active acknowledgement (seed dq_acknowledgements) covers, one row per
-- check, table, key and day: an equality join for the data-quality marts, which a range
-- join would repeat a row for each overlapping acknowledgement. An acknowledgement is
-- active while its acknowledged_until is on or after the data clock's day
-- (int_dq_judgement_scope); an empty breach_key covers every key (null here). A range is
-- read over at most its last 10,000 days.

with

acknowledgements as (
    select
        check_name,
        table_name,
        breach_key,
        first_day,
        last_day,
        acknowledged_until
    from {{ ref('int_dq_acknowledgements') }}
),

scope as (
    select data_clock_date
    from {{ ref('int_dq_judgement_scope') }}
),

active as (
    select acknowledgements.*
    from acknowledgements
    cross join scope
    where {{ dq_acknowledgement_is_active('acknowledgements.acknowledged_until', 'scope.data_clock_date') }}
),

-- 0 to 9999: the days of a range, counted back from its last day.
day_offsets as (
    {{ integer_sequence(4, 'day_offset') }}
),

final as (
    select distinct
        active.check_name,
        active.table_name,
        active.breach_key,
        cast({{ dbt.dateadd('day', '-1 * day_offsets.day_offset', 'active.last_day') }} as date) as check_date
    from active
    inner join day_offsets
        on day_offsets.day_offset <= {{ dbt.datediff('active.first_day', 'active.last_day', 'day') }}
)

select * from final
