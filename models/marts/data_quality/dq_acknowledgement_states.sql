-- One row per acknowledgement of the seed dq_acknowledgements (relation
-- marts.dq_acknowledgements; the model has another name because the seed has that one):
-- how many of this build's breaches it covers (dq_incidents rows other than resolved in
-- its check, table, key and day range) and its state: `expired` when acknowledged_until
-- is before the data clock's day (int_dq_judgement_scope), else `covers_nothing` when it
-- covers no breach (a mistyped key or range, or a break that is gone), else `active`
-- (the rules: macros/data_quality/acknowledgements.sql). Its warn test lists the
-- expired and covers_nothing ones, for review.

{{ config(alias='dq_acknowledgements') }}

with

acknowledgements as (
    select
        check_name,
        table_name,
        breach_key,
        first_day,
        last_day,
        reason,
        acknowledged_by,
        acknowledged_until
    from {{ ref('int_dq_acknowledgements') }}
),

breaches as (
    select
        check_name,
        table_name,
        breach_key,
        check_date
    from {{ ref('dq_incidents') }}
    where status != 'resolved'
),

scope as (
    select data_clock_date
    from {{ ref('int_dq_judgement_scope') }}
),

covered as (
    select
        acknowledgements.check_name,
        acknowledgements.table_name,
        acknowledgements.breach_key,
        acknowledgements.first_day,
        acknowledgements.last_day,
        count(breaches.check_date) as covered_breaches
    from acknowledgements
    left join breaches
        on {{ dq_acknowledgement_covers('acknowledgements', 'breaches') }}
    group by
        acknowledgements.check_name,
        acknowledgements.table_name,
        acknowledgements.breach_key,
        acknowledgements.first_day,
        acknowledgements.last_day
),

final as (
    select
        acknowledgements.check_name,
        acknowledgements.table_name,
        acknowledgements.breach_key,
        acknowledgements.first_day,
        acknowledgements.last_day,
        acknowledgements.reason,
        acknowledgements.acknowledged_by,
        acknowledgements.acknowledged_until,
        covered.covered_breaches,
        case
            when not {{ dq_acknowledgement_is_active('acknowledgements.acknowledged_until', 'scope.data_clock_date') }}
                then 'expired'
            when covered.covered_breaches = 0 then 'covers_nothing'
            else 'active'
        end as state
    from acknowledgements
    cross join scope
    inner join covered
        on acknowledgements.check_name = covered.check_name
        and acknowledgements.table_name = covered.table_name
        and (
            acknowledgements.breach_key = covered.breach_key
            or (acknowledgements.breach_key is null and covered.breach_key is null)
        )
        and acknowledgements.first_day = covered.first_day
        and acknowledgements.last_day = covered.last_day
)

select * from final
