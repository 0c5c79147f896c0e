-- Source freshness inside the build: for each raw table, its latest row on its own time
-- column (events on received_at, the collector's clock; the application tables on
-- created_at / connected_at / exposed_at) and how far that is behind the freshest of
-- the five. A tracker that stopped while the app database goes on (or a replica that
-- stopped while events flow) leaves one table behind the others. Measured against the
-- data, never the wall clock, so a rebuild of the same data gives the same answer;
-- staleness against the wall clock is `dbt source freshness` (_*__sources.yml). The events
-- stream is held to hours, the application tables to days: a new signup or connection
-- need not come every day (the same split as _*__sources.yml). An optional table (meta
-- required: false in _app__sources.yml) that is empty is shown, not judged: a product that runs
-- no experiments has no exposures, and that must not fail every build. One row per table;
-- check_date is the day of its latest row (see _data_quality__docs.md,
-- dq_source_freshness).

{%- set event_warn_hours = setting('dq_event_freshness_warn_hours') %}
{%- set event_error_hours = setting('dq_event_freshness_error_hours') %}
{%- set app_warn_hours = setting('dq_app_freshness_warn_hours') %}
{%- set app_error_hours = setting('dq_app_freshness_error_hours') %}
{%- set text = dbt.type_string() %}

with

events as (
    select received_at from {{ ref('stg_tracker__events') }}
),

users as (
    select signed_up_at from {{ ref('stg_app__users') }}
),

accounts as (
    select created_at from {{ ref('stg_app__accounts') }}
),

connections as (
    select connected_at from {{ ref('stg_app__data_source_connections') }}
),

exposures as (
    select exposed_at from {{ ref('stg_app__flag_exposures') }}
),

latest_rows as (
    select
        'raw.events' as table_name,
        {{ raw_table_is_required('events') }} as is_required,
        'received_at' as time_column,
        count(*) as table_rows,
        max(received_at) as latest_at
    from events

    union all

    select
        'raw.users' as table_name,
        {{ raw_table_is_required('users') }} as is_required,
        'created_at' as time_column,
        count(*) as table_rows,
        max(signed_up_at) as latest_at
    from users

    union all

    select
        'raw.accounts' as table_name,
        {{ raw_table_is_required('accounts') }} as is_required,
        'created_at' as time_column,
        count(*) as table_rows,
        max(created_at) as latest_at
    from accounts

    union all

    select
        'raw.data_source_connections' as table_name,
        {{ raw_table_is_required('data_source_connections') }} as is_required,
        'connected_at' as time_column,
        count(*) as table_rows,
        max(connected_at) as latest_at
    from connections

    union all

    select
        'raw.flag_exposures' as table_name,
        {{ raw_table_is_required('flag_exposures') }} as is_required,
        'exposed_at' as time_column,
        count(*) as table_rows,
        max(exposed_at) as latest_at
    from exposures
),

reference as (
    select max(latest_at) as reference_at
    from latest_rows
),

measured as (
    select
        latest_rows.table_name,
        latest_rows.is_required,
        latest_rows.time_column,
        latest_rows.table_rows,
        latest_rows.latest_at,
        reference.reference_at,
        {{ elapsed_seconds('latest_rows.latest_at', 'reference.reference_at') }} / 3600.0 as hours_behind,
        case
            when latest_rows.table_name = 'raw.events' then {{ event_warn_hours }}
            else {{ app_warn_hours }}
        end as warn_after_hours,
        case
            when latest_rows.table_name = 'raw.events' then {{ event_error_hours }}
            else {{ app_error_hours }}
        end as error_after_hours
    from latest_rows
    cross join reference
),

judged as (
    select
        *,
        case
            when latest_at is null and not is_required then 'not_judged'
            when latest_at is null then 'error'
            else {{ dq_threshold_status('hours_behind', '>', 'warn_after_hours', 'error_after_hours') }}
        end as status
    from measured
),

verdicts as (
    select
        *,
        case
            when latest_at is null and not is_required then 'the table is empty, which an optional table may be'
            when latest_at is null then 'the table is empty'
            when status = 'error' then {{ dbt.concat([
                "'more than the error threshold of '", "cast(error_after_hours as " ~ text ~ ")", "' hours'"
            ]) }}
            when status = 'warn' then {{ dbt.concat([
                "'more than the warning threshold of '", "cast(warn_after_hours as " ~ text ~ ")", "' hours'"
            ]) }}
            else 'within the thresholds'
        end as verdict
    from judged
),

final as (
    select
        'source_freshness' as check_name,
        table_name,
        cast(coalesce(latest_at, reference_at) as date) as check_date,
        time_column,
        table_rows,
        latest_at,
        reference_at,
        {{ stat_to_double('hours_behind') }} as hours_behind,
        warn_after_hours,
        error_after_hours,
        status,
        {{ dbt.concat([
            "'latest '", "time_column", "' '", "coalesce(cast(latest_at as " ~ text ~ "), 'none')",
            "' is '", "coalesce(cast(cast(hours_behind as decimal(18, 1)) as " ~ text ~ "), 'unknown')",
            "' hours behind the freshest raw table ('", "cast(reference_at as " ~ text ~ ")", "'): '",
            "verdict"
        ]) }} as status_reason
    from verdicts
)

{{ dq_with_incident_status('final') }}
