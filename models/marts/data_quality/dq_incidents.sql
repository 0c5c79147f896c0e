-- One row per data-quality incident: a check, table, key (null where the check has none)
-- and day that breached (warn or error) in this build or in any build recorded by
-- dq_incident_history. Its status: this build's incident_status of the breach (open,
-- acknowledged, historical), or `resolved` when it is recorded as breaching but no longer
-- breaches (the data was fixed, or restated). The acknowledgement shown is the active one
-- covering it that holds longest (the breach-key one before an every-key one on a tie;
-- which acknowledgement covers and holds: macros/data_quality/acknowledgements.sql).

with

current_breaches as (
    {{ dq_current_breaches() }}
),

history as (
    select
        incident_key,
        check_name,
        table_name,
        breach_key,
        check_date,
        first_seen_at,
        last_seen_at,
        last_severity
    from {{ ref('dq_incident_history') }}
),

scope as (
    select data_clock_date
    from {{ ref('int_dq_judgement_scope') }}
),

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

incidents as (
    select
        coalesce(current_breaches.incident_key, history.incident_key) as incident_key,
        coalesce(current_breaches.check_name, history.check_name) as check_name,
        coalesce(current_breaches.table_name, history.table_name) as table_name,
        coalesce(current_breaches.breach_key, history.breach_key) as breach_key,
        coalesce(current_breaches.check_date, history.check_date) as check_date,
        coalesce(current_breaches.severity, history.last_severity) as severity,
        coalesce(current_breaches.incident_status, 'resolved') as status,
        coalesce(
            current_breaches.status_reason,
            {{ dbt.concat(["'no longer breaching: last seen as '", 'history.last_severity']) }}
        ) as status_reason,
        coalesce(history.first_seen_at, {{ dq_build_time() }}) as first_seen_at,
        coalesce(history.last_seen_at, {{ dq_build_time() }}) as last_seen_at
    from current_breaches
    full outer join history
        on current_breaches.incident_key = history.incident_key
),

-- The active acknowledgements covering each incident, the longest-held first.
covering as (
    select
        incidents.incident_key,
        acknowledgements.reason,
        acknowledgements.acknowledged_by,
        acknowledgements.acknowledged_until,
        row_number() over (
            partition by incidents.incident_key
            order by
                acknowledgements.acknowledged_until desc,
                case when acknowledgements.breach_key is null then 1 else 0 end asc,
                acknowledgements.reason asc
        ) as covering_rank
    from incidents
    cross join scope
    inner join acknowledgements
        on {{ dq_acknowledgement_covers('acknowledgements', 'incidents') }}
    where {{ dq_acknowledgement_is_active('acknowledgements.acknowledged_until', 'scope.data_clock_date') }}
),

final as (
    select
        incidents.check_name,
        incidents.table_name,
        incidents.breach_key,
        incidents.check_date,
        incidents.severity,
        incidents.status,
        incidents.status_reason,
        incidents.first_seen_at,
        incidents.last_seen_at,
        covering.reason as acknowledged_reason,
        covering.acknowledged_by,
        covering.acknowledged_until
    from incidents
    left join covering
        on incidents.incident_key = covering.incident_key
        and covering.covering_rank = 1
)

select * from final
