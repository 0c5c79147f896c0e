{#- Which data-quality breaches fail a build, one home for the rule every dq_ mart applies
    (see docs/data-quality.md, "What fails a build, what only shows").

    A breach is a row with status warn or error. Its incident_status is
      * `acknowledged` when an active acknowledgement (seed dq_acknowledgements, read
        through int_dq_acknowledged_days) covers its check, table, key and day;
      * else `open` when it is in scope: its day is on or after the judged_from_date of
        int_dq_judgement_scope (the data clock minus `dq_judged_recent_days`), or its day
        is a restated day still judged (int_dq_restated_days), or the check is source
        freshness (one row per table, always about now);
      * else `historical`.
    ok and not_judged rows have none (null). The threshold test data_quality_breaches
    fails on `open` rows only. -#}

{#- The column that tells a check's breaches apart within a day, by data-quality mart:
    the event name or the quarantine reason; a mart absent here has one breach per
    check, table and day. The acknowledgements' breach_key is matched against it. -#}
{% macro dq_breach_keys() -%}
    {{ return({
        'dq_tracking_coverage': 'event_name',
        'dq_tracking_plan_conformance': 'event_name',
        'dq_event_volume': 'event_name',
        'dq_quarantine_share': 'reason',
        'dq_arrival_lateness': none,
        'dq_duplicate_share': none,
        'dq_source_freshness': none,
    }) }}
{%- endmacro %}

{#- Checks judged whatever their day: source freshness is about the latest row now. -#}
{% macro dq_always_judged_checks() -%}
    {{ return(['source_freshness']) }}
{%- endmacro %}

{#- The final select of a data-quality mart: every column of `rows` (a CTE of the mart,
    with check_name, table_name, check_date and status) and incident_status. The mart's
    breach key is read from dq_breach_keys by the model's name. -#}
{% macro dq_with_incident_status(rows) -%}
    {%- set keys = dq_breach_keys() -%}
    {%- if model.name not in keys -%}
        {{ exceptions.raise_compiler_error(
            "dq_with_incident_status: " ~ model.name ~ " is not a data-quality mart of dq_breach_keys()."
        ) }}
    {%- endif -%}
    {%- set breach_key = keys[model.name] -%}
select
    judged_rows.*,
    case
        when judged_rows.status not in ('warn', 'error') then null
        when
            all_keys_acknowledged.check_date is not null
            {%- if breach_key %}
            or key_acknowledged.check_date is not null
            {%- endif %}
            then 'acknowledged'
        when judged_rows.check_name in ('{{ dq_always_judged_checks() | join("', '") }}') then 'open'
        when judged_rows.check_date >= judgement_scope.judged_from_date then 'open'
        when restated_days.received_date is not null then 'open'
        else 'historical'
    end as incident_status
from {{ rows }} as judged_rows
cross join {{ ref('int_dq_judgement_scope') }} as judgement_scope
left join {{ ref('int_dq_restated_days') }} as restated_days
    on judged_rows.check_date = restated_days.received_date
left join {{ ref('int_dq_acknowledged_days') }} as all_keys_acknowledged
    on judged_rows.check_name = all_keys_acknowledged.check_name
    and judged_rows.table_name = all_keys_acknowledged.table_name
    and judged_rows.check_date = all_keys_acknowledged.check_date
    and all_keys_acknowledged.breach_key is null
{%- if breach_key %}
left join {{ ref('int_dq_acknowledged_days') }} as key_acknowledged
    on judged_rows.check_name = key_acknowledged.check_name
    and judged_rows.table_name = key_acknowledged.table_name
    and judged_rows.check_date = key_acknowledged.check_date
    and judged_rows.{{ breach_key }} = key_acknowledged.breach_key
{%- endif %}
{%- endmacro %}

{#- Every breach of every data-quality mart now, one row per check, table, key and day
    (a check with several rows there, the tracking-plan checks' properties, keeps its
    worst: error before warn, then the first status_reason), as a select of check_name,
    table_name, breach_key (null where the check has none), check_date, severity,
    status_reason, incident_status and incident_key (the four keys as one text, the
    unique key of dq_incident_history). -#}
{% macro dq_current_breaches() -%}
    {%- set text = dbt.type_string() -%}
    select
        check_name,
        table_name,
        breach_key,
        check_date,
        severity,
        status_reason,
        incident_status,
        {{ dq_incident_key('check_name', 'table_name', 'breach_key', 'check_date') }} as incident_key
    from (
        select
            *,
            row_number() over (
                partition by check_name, table_name, breach_key, check_date
                order by case when severity = 'error' then 0 else 1 end, status_reason
            ) as breach_rank
        from (
            {%- for model_name, breach_key in dq_breach_keys().items() %}
            select
                check_name,
                table_name,
                {% if breach_key %}cast({{ breach_key }} as {{ text }}){% else %}cast(null as {{ text }}){% endif %}
                    as breach_key,
                check_date,
                status as severity,
                status_reason,
                incident_status
            from {{ ref(model_name) }}
            where status in ('warn', 'error')
            {%- if not loop.last %}

            union all
            {% endif %}
            {%- endfor %}
        ) as breach_rows
    ) as ranked_breaches
    where breach_rank = 1
{%- endmacro %}

{#- One text naming an incident (check, table, key, day): a key column an incremental
    delete+insert can match on (a null breach_key would never equal itself). -#}
{% macro dq_incident_key(check_name, table_name, breach_key, check_date) -%}
    {{ dbt.concat([
        check_name, "'|'", table_name, "'|'", "coalesce(" ~ breach_key ~ ", '')", "'|'",
        "cast(" ~ check_date ~ " as " ~ dbt.type_string() ~ ")"
    ]) }}
{%- endmacro %}

{#- The time this build started (dbt's run_started_at, UTC) as a timestamp: the "seen at"
    of the incidents this build finds. -#}
{% macro dq_build_time() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}' as {{ dbt.type_timestamp() }})
{%- endmacro %}
