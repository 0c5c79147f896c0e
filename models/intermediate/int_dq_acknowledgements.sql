-- The acknowledged incidents of the seed dq_acknowledgements, one row per seed row, read
-- the one way every model reads them: an empty breach_key means "every key" and becomes
-- null, so the marts match it with `is null` instead of each repeating the rule.

with

seed_rows as (
    select * from {{ ref('dq_acknowledgements') }}
),

final as (
    select
        check_name,
        table_name,
        case when trim(breach_key) = '' then null else breach_key end as breach_key,
        first_day,
        last_day,
        reason,
        acknowledged_by,
        acknowledged_until
    from seed_rows
)

select * from final
