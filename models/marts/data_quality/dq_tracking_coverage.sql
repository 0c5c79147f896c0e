-- Tracking coverage, per day: of the rows the application database wrote that day, how
-- many the tracker also reported as a clean event. The app database is the truth for
-- signups (raw.users) and connections (raw.data_source_connections); a row without its
-- event (a signed_up for the user, a data_source_connected carrying the connection_id) is
-- a hole in the event data every funnel is built on. The day is the app row's own UTC
-- date. A day is judged on the Wilson 95% upper bound of its coverage, so a day of a
-- dozen rows with one miss is not an alarm and a day with none of its events is (see
-- _data_quality__docs.md, dq_tracking_coverage). A day of fewer than dq_min_judged_rows
-- rows is shown but not judged. Coverage is also judged over the trailing dq_window_days
-- days against tightened thresholds; status is the worse verdict (the chain:
-- macros/data_quality/dq_share_verdict.sql).

{%- set warn_below = setting('dq_coverage_warn_below') %}
{%- set error_below = setting('dq_coverage_error_below') %}
{%- set text = dbt.type_string() %}

with

users as (
    select
        user_id,
        signed_up_at
    from {{ ref('stg_app__users') }}
),

connections as (
    select
        connection_id,
        connected_at
    from {{ ref('stg_app__data_source_connections') }}
),

coverage_events as (
    select
        event_name,
        user_id,
        connection_id
    from {{ ref('int_events__resolved') }}
    where event_name in ('signed_up', 'data_source_connected')
),

tracked_users as (
    select distinct user_id
    from coverage_events
    where
        event_name = 'signed_up'
        and user_id is not null
),

tracked_connections as (
    select distinct connection_id
    from coverage_events
    where
        event_name = 'data_source_connected'
        and connection_id is not null
),

app_rows as (
    select
        'raw.users' as table_name,
        'signed_up' as event_name,
        cast(users.signed_up_at as date) as check_date,
        case when tracked_users.user_id is not null then 1 else 0 end as is_tracked
    from users
    left join tracked_users
        on users.user_id = tracked_users.user_id

    union all

    select
        'raw.data_source_connections' as table_name,
        'data_source_connected' as event_name,
        cast(connections.connected_at as date) as check_date,
        case when tracked_connections.connection_id is not null then 1 else 0 end as is_tracked
    from connections
    left join tracked_connections
        on connections.connection_id = tracked_connections.connection_id
),

daily as (
    select
        table_name,
        event_name,
        check_date,
        count(*) as app_rows,
        cast(sum(is_tracked) as {{ dbt.type_bigint() }}) as tracked_rows
    from app_rows
    group by
        table_name,
        event_name,
        check_date
),

measured as (
    select
        table_name,
        event_name,
        check_date,
        app_rows,
        tracked_rows,
        app_rows - tracked_rows as untracked_rows
    from daily
),

verdicts as (
    {{ dq_share_verdict(
        'measured', window_keys=['table_name'], successes='tracked_rows', trials='app_rows',
        share='coverage', bound='coverage_upper_bound',
        warn=warn_below, error=error_below, direction='below',
        day_reason=[
            "cast(tracked_rows as " ~ text ~ ")", "' of '", "cast(app_rows as " ~ text ~ ")",
            "' rows have a clean '", "event_name", "' event: '", "share_text"
        ],
        label='coverage'
    ) }}
),

final as (
    select
        'tracking_coverage' as check_name,
        table_name,
        check_date,
        event_name,
        app_rows,
        tracked_rows,
        untracked_rows,
        coverage,
        coverage_upper_bound,
        window_rows,
        window_share,
        window_bound,
        window_status,
        {{ stat_to_double(warn_below) }} as warn_below,
        {{ stat_to_double(error_below) }} as error_below,
        status,
        status_reason
    from verdicts
)

{{ dq_with_incident_status('final') }}
