-- Conformance with the tracking plan (seeds tracking_plan and
-- tracking_plan_required_properties), per day and event name, over clean events:
--   * out_of_plan_events: events under a name the plan does not list, as a share of the
--     day's clean events. The raw contract keeps them and says they never break a
--     build, so this check warns at most (a renamed event usually shows here first).
--   * missing_required_property: events of a planned name whose properties lack a
--     required key (absent, JSON null or blank text; unparseable properties lack every
--     key), as a share of that day's events of the name, one row per required property.
-- The day is the event's occurred_at date (UTC). A share is judged on its Wilson 95%
-- lower bound (see _data_quality__docs.md, dq_tracking_plan_conformance); a share over fewer
-- than dq_min_judged_rows events is shown but not judged. Each share is also judged over
-- the trailing dq_window_days days against tightened thresholds; status is the worse
-- verdict (the chain: macros/data_quality/dq_share_verdict.sql).
--   * new_event_name: a name outside the plan on the first day (received_at date) a clean
--     event carried it, an error with at least dq_new_event_name_min_rows events that day (a renamed event
--     arrives at full volume at once; a stray test event does not). Not judged in the first
--     dq_volume_min_baseline_days days of the data: every name is new there.

{%- set property_warn_above = setting('dq_required_property_warn_above') %}
{%- set property_error_above = setting('dq_required_property_error_above') %}
{%- set out_of_plan_warn_above = setting('dq_out_of_plan_warn_above') %}
{%- set new_name_min_rows = setting('dq_new_event_name_min_rows') %}
{%- set min_baseline_days = setting('dq_volume_min_baseline_days') %}
{%- set text = dbt.type_string() %}

with

events as (
    select
        event_name,
        cast(occurred_at as date) as check_date,
        cast(received_at as date) as received_date,
        is_in_tracking_plan
    from {{ ref('int_events__resolved') }}
),

-- The checks read the events once, counted per day, received day and name: a CTE that
-- several parts read is materialised whole by DuckDB and PostgreSQL, which at 100M
-- events spilled gigabytes. Only the required-property check reads the events again,
-- for their properties (planned_events).
event_counts as (
    select
        check_date,
        received_date,
        event_name,
        is_in_tracking_plan,
        count(*) as event_count
    from events
    group by
        check_date,
        received_date,
        event_name,
        is_in_tracking_plan
),

planned_events as (
    select
        event_name,
        cast(occurred_at as date) as check_date,
        properties
    from {{ ref('int_events__resolved') }}
),

required_properties as (
    select
        event_name,
        property_name
    from {{ ref('tracking_plan_required_properties') }}
),

daily_events as (
    select
        check_date,
        cast(sum(event_count) as {{ dbt.type_bigint() }}) as day_events
    from event_counts
    group by check_date
),

out_of_plan as (
    select
        event_counts.check_date,
        event_counts.event_name,
        cast(null as {{ text }}) as property_name,
        daily_events.day_events as checked_events,
        cast(sum(event_counts.event_count) as {{ dbt.type_bigint() }}) as nonconforming_events
    from event_counts
    inner join daily_events
        on event_counts.check_date = daily_events.check_date
    where not event_counts.is_in_tracking_plan
    group by
        event_counts.check_date,
        event_counts.event_name,
        daily_events.day_events
),

-- An out-of-plan name's window: its events summed over the window's days it appears on,
-- against every clean event of the window's days (the days it is absent still count).
out_of_plan_window_events as (
    {{ dq_window_sums('out_of_plan', ['event_name'], ['nonconforming_events']) }}
),

day_events_window as (
    {{ dq_window_sums('daily_events', [], ['day_events']) }}
),

out_of_plan_windowed as (
    select
        out_of_plan.*,
        out_of_plan_window_events.window_nonconforming_events,
        day_events_window.window_day_events as window_rows
    from out_of_plan
    inner join out_of_plan_window_events
        on out_of_plan.event_name = out_of_plan_window_events.event_name
        and out_of_plan.check_date = out_of_plan_window_events.check_date
    inner join day_events_window
        on out_of_plan.check_date = day_events_window.check_date
),

-- The required key comes from the seed row: it is passed to the JSON lookup as a value.
property_values as (
    select
        planned_events.check_date,
        planned_events.event_name,
        required_properties.property_name,
        {{ json_property_named_by('planned_events.properties', 'required_properties.property_name') }}
            as property_value
    from planned_events
    inner join required_properties
        on planned_events.event_name = required_properties.event_name
),

property_presence as (
    select
        check_date,
        event_name,
        property_name,
        case
            when property_value is null or trim(property_value) = '' then 1
            else 0
        end as is_missing
    from property_values
),

missing_properties as (
    select
        check_date,
        event_name,
        property_name,
        count(*) as checked_events,
        cast(sum(is_missing) as {{ dbt.type_bigint() }}) as nonconforming_events
    from property_presence
    group by
        check_date,
        event_name,
        property_name
),

missing_properties_window as (
    {{ dq_window_sums(
        'missing_properties', ['event_name', 'property_name'], ['nonconforming_events', 'checked_events']
    ) }}
),

missing_properties_windowed as (
    select
        missing_properties.*,
        missing_properties_window.window_nonconforming_events,
        missing_properties_window.window_checked_events as window_rows
    from missing_properties
    inner join missing_properties_window
        on missing_properties.event_name = missing_properties_window.event_name
        and missing_properties.property_name = missing_properties_window.property_name
        and missing_properties.check_date = missing_properties_window.check_date
),

measured as (
    select
        'out_of_plan_events' as check_name,
        check_date,
        event_name,
        property_name,
        checked_events,
        nonconforming_events,
        window_nonconforming_events,
        window_rows,
        {{ stat_to_double(out_of_plan_warn_above) }} as warn_above,
        cast(null as {{ stat_double_type() }}) as error_above,
        {{ dbt.concat([
            "cast(nonconforming_events as " ~ text ~ ")", "' of the day''s '",
            "cast(checked_events as " ~ text ~ ")", "' clean events are '", "event_name",
            "', a name outside the tracking plan'"
        ]) }} as finding
    from out_of_plan_windowed

    union all

    select
        'missing_required_property' as check_name,
        check_date,
        event_name,
        property_name,
        checked_events,
        nonconforming_events,
        window_nonconforming_events,
        window_rows,
        {{ stat_to_double(property_warn_above) }} as warn_above,
        {{ stat_to_double(property_error_above) }} as error_above,
        {{ dbt.concat([
            "cast(nonconforming_events as " ~ text ~ ")", "' of '",
            "cast(checked_events as " ~ text ~ ")", "' '", "event_name",
            "' events lack the required property '", "property_name"
        ]) }} as finding
    from missing_properties_windowed
),

-- The rows carry their window (window_keys none: an out-of-plan name's window counts every
-- clean event) and their thresholds: out_of_plan_events has no error threshold (null), and
-- a comparison with null is never true, so it warns at most, over the window too.
verdicts as (
    {{ dq_share_verdict(
        'measured', window_keys=none, successes='nonconforming_events', trials='checked_events',
        share='nonconforming_share', bound='share_lower_bound',
        warn='warn_above', error='error_above', direction='above',
        day_reason=["finding", "' ('", "share_text", "')'"],
        unit='events'
    ) }}
),

share_checks as (
    select
        check_name,
        'raw.events' as table_name,
        check_date,
        event_name,
        property_name,
        checked_events,
        nonconforming_events,
        nonconforming_share,
        share_lower_bound,
        window_rows,
        window_share,
        window_bound,
        window_status,
        warn_above,
        error_above,
        status,
        status_reason
    from verdicts
),

-- New event names, by the day the collector received them (its own clock, never a
-- client's: a late event from before the release never makes a name look older, a client
-- clock running behind never makes one look new): an out-of-plan name on the first day a
-- clean event carrying it was received. The data's first days are not judged: with no
-- history every name there is "new". The data starts on the first day with at least
-- dq_new_event_name_min_rows clean events received: a trickle of test events weeks before
-- the launch is no history, and a day with fewer events cannot hold a name at volume.
received_days as (
    select
        received_date,
        cast(sum(event_count) as {{ dbt.type_bigint() }}) as received_events
    from event_counts
    group by received_date
),

received_out_of_plan as (
    select
        received_date,
        event_name,
        cast(sum(event_count) as {{ dbt.type_bigint() }}) as name_events
    from event_counts
    where not is_in_tracking_plan
    group by
        received_date,
        event_name
),

name_first_days as (
    select
        event_name,
        min(received_date) as first_date
    from received_out_of_plan
    group by event_name
),

data_start as (
    select min(received_date) as first_data_date
    from received_days
    where received_events >= {{ new_name_min_rows }}
),

new_names as (
    select
        received_out_of_plan.received_date as check_date,
        received_out_of_plan.event_name,
        received_days.received_events as checked_events,
        received_out_of_plan.name_events as nonconforming_events,
        case
            when
                received_out_of_plan.received_date
                < {{ dbt.dateadd('day', min_baseline_days, 'data_start.first_data_date') }}
                then 'not_judged'
            when received_out_of_plan.name_events >= {{ new_name_min_rows }} then 'error'
            else 'ok'
        end as status
    from received_out_of_plan
    inner join name_first_days
        on received_out_of_plan.event_name = name_first_days.event_name
        and received_out_of_plan.received_date = name_first_days.first_date
    inner join received_days
        on received_out_of_plan.received_date = received_days.received_date
    cross join data_start
),

new_name_checks as (
    select
        'new_event_name' as check_name,
        'raw.events' as table_name,
        check_date,
        event_name,
        cast(null as {{ text }}) as property_name,
        checked_events,
        nonconforming_events,
        {{ dq_share('nonconforming_events', 'checked_events') }} as nonconforming_share,
        {{ dq_share_bound('nonconforming_events', 'checked_events', 'above') }} as share_lower_bound,
        cast(null as {{ dbt.type_bigint() }}) as window_rows,
        cast(null as {{ stat_double_type() }}) as window_share,
        cast(null as {{ stat_double_type() }}) as window_bound,
        cast(null as {{ text }}) as window_status,
        cast(null as {{ stat_double_type() }}) as warn_above,
        cast(null as {{ stat_double_type() }}) as error_above,
        status,
        {{ dbt.concat([
            "'new event name '''", "event_name", "''' first received '", "cast(check_date as " ~ text ~ ")",
            "', '", "cast(nonconforming_events as " ~ text ~ ")", "' events, not in the tracking plan ('",
            "case status"
            ~ " when 'error' then 'at least " ~ new_name_min_rows ~ " events on its first day: an error'"
            ~ " when 'ok' then 'fewer than " ~ new_name_min_rows ~ " events on its first day: not an alarm'"
            ~ " else 'not judged: within the first " ~ min_baseline_days ~ " days of the data, every name is new'"
            ~ " end",
            "')'"
        ]) }} as status_reason
    from new_names
),

final as (
    select * from share_checks
    union all
    select * from new_name_checks
)

{{ dq_with_incident_status('final') }}
