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
-- than dq_min_judged_rows events is shown but not judged.

{%- set property_warn_above = setting('dq_required_property_warn_above') %}
{%- set property_error_above = setting('dq_required_property_error_above') %}
{%- set out_of_plan_warn_above = setting('dq_out_of_plan_warn_above') %}
{%- set text = dbt.type_string() %}

with

events as (
    select
        event_name,
        cast(occurred_at as date) as check_date,
        is_in_tracking_plan,
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
        count(*) as day_events
    from events
    group by check_date
),

out_of_plan as (
    select
        events.check_date,
        events.event_name,
        cast(null as {{ text }}) as property_name,
        daily_events.day_events as checked_events,
        count(*) as nonconforming_events
    from events
    inner join daily_events
        on events.check_date = daily_events.check_date
    where not events.is_in_tracking_plan
    group by
        events.check_date,
        events.event_name,
        daily_events.day_events
),

-- The required key comes from the seed row: it is passed to the JSON lookup as a value.
property_values as (
    select
        events.check_date,
        events.event_name,
        required_properties.property_name,
        {{ json_property_named_by('events.properties', 'required_properties.property_name') }}
            as property_value
    from events
    inner join required_properties
        on events.event_name = required_properties.event_name
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

measured as (
    select
        'out_of_plan_events' as check_name,
        check_date,
        event_name,
        property_name,
        checked_events,
        nonconforming_events,
        {{ stat_to_double(out_of_plan_warn_above) }} as warn_above,
        cast(null as {{ stat_double_type() }}) as error_above
    from out_of_plan

    union all

    select
        'missing_required_property' as check_name,
        check_date,
        event_name,
        property_name,
        checked_events,
        nonconforming_events,
        {{ stat_to_double(property_warn_above) }} as warn_above,
        {{ stat_to_double(property_error_above) }} as error_above
    from missing_properties
),

bounded as (
    select
        *,
        {{ dq_share('nonconforming_events', 'checked_events') }} as nonconforming_share,
        {{ dq_share_bound('nonconforming_events', 'checked_events', 'above') }} as share_lower_bound
    from measured
),

-- out_of_plan_events has no error threshold (null): a comparison with null is never
-- true, so it warns at most.
judged as (
    select
        *,
        {{ dq_share_status('share_lower_bound', 'checked_events', 'warn_above', 'error_above', 'above') }} as status
    from bounded
),

verdicts as (
    select
        *,
        case
            when check_name = 'out_of_plan_events' then {{ dbt.concat([
                "cast(nonconforming_events as " ~ text ~ ")", "' of the day''s '",
                "cast(checked_events as " ~ text ~ ")", "' clean events are '", "event_name",
                "', a name outside the tracking plan'"
            ]) }}
            else {{ dbt.concat([
                "cast(nonconforming_events as " ~ text ~ ")", "' of '",
                "cast(checked_events as " ~ text ~ ")", "' '", "event_name",
                "' events lack the required property '", "property_name"
            ]) }}
        end as finding,
        {{ dq_verdict('status', 'warn_above', 'error_above', 'above', unit='events') }} as verdict
    from judged
),

final as (
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
        warn_above,
        error_above,
        status,
        {{ dbt.concat([
            "finding", "' ('", dq_share_text('nonconforming_share', 'share_lower_bound', 'verdict', 'above'), "')'"
        ]) }} as status_reason
    from verdicts
)

{{ dq_with_incident_status('final') }}
