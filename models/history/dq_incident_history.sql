-- When each data-quality incident (check, table, key, day that breached) was first and last
-- seen breaching, by build time (dbt's run_started_at): the memory dq_incidents reads for
-- first_seen_at and for incidents no longer breaching (resolved). Kept incrementally
-- (delete+insert on incident_key: this build's breaches are rewritten with their first
-- sighting kept, the others keep their row) and never rebuilt by `--full-refresh`
-- (full_refresh=false), in a schema of its own (history), so a full refresh of the marts
-- loses no sighting. On Spark without Delta (macro event_grain_materialization) it is a
-- table rebuilt on every run: there first_seen_at is the build's own time.

{{
    config(
        materialized=event_grain_materialization(fingerprinted=false),
        incremental_strategy='delete+insert',
        unique_key='incident_key',
        full_refresh=false,
        on_schema_change='fail'
    )
}}

with

current_breaches as (
    {{ dq_current_breaches() }}
),

{% if is_incremental() %}
recorded as (
    select
        incident_key,
        first_seen_at
    from {{ this }}
),
{% endif %}

final as (
    select
        current_breaches.incident_key,
        current_breaches.check_name,
        current_breaches.table_name,
        current_breaches.breach_key,
        current_breaches.check_date,
        {% if is_incremental() -%}
            coalesce(recorded.first_seen_at, {{ dq_build_time() }})
        {%- else -%}
            {{ dq_build_time() }}
        {%- endif %} as first_seen_at,
        {{ dq_build_time() }} as last_seen_at,
        current_breaches.severity as last_severity
    from current_breaches
    {% if is_incremental() -%}
    left join recorded
        on current_breaches.incident_key = recorded.incident_key
    {%- endif %}
)

select * from final
