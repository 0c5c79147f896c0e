-- The floor: fct_user_activation computed straight from the raw tables by one
-- hand-written DuckDB script, outside dbt, with the default definitions written in
-- (window 14 days, sessions 30 minutes, post-connection 30 minutes, returns 7 days,
-- stalls 3 days, as-of = latest clean event). It is the benchmark's yardstick for what the
-- dbt path costs, and, written independently of the models, a second method the tests
-- compare fct_user_activation with row for row.
--
-- Run against a warehouse whose `raw` schema is loaded:
--   duckdb warehouse.duckdb < bench/floor_user_activation.sql   (creates floor.user_activation)

set timezone = 'UTC';
create schema if not exists floor;

create or replace table floor.user_activation as
with

parsed as (
    select
        case when trim(event_id) = '' then null else event_id end as event_id,
        nullif(regexp_replace(lower(trim(event_name)), '[\s_-]+', '_', 'g'), '') as event_name,
        case when trim(user_id) = '' then null else user_id end as user_id,
        case when trim(anonymous_id) = '' then null else anonymous_id end as anonymous_id,
        case when trim(account_id) = '' then null else account_id end as account_id,
        received_at,
        properties as raw_properties,
        event_name as raw_event_name,
        user_id as raw_user_id,
        anonymous_id as raw_anonymous_id,
        account_id as raw_account_id,
        occurred_at as raw_occurred_at,
        case
            when regexp_full_match(
                occurred_at,
                '\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,6})?(Z|[+-]((0\d|1[0-3]):[0-5]\d|14:00))'
            )
            -- try_cast refuses days that do not exist (Feb 30); the shape check above
            -- already refused what it would wrongly accept (24:00, +25:00, words).
            and substr(occurred_at, 1, 4) != '0000'
            then try_cast(regexp_replace(occurred_at, '(Z|[+-]\d\d:\d\d)$', '') as timestamp)
                - (case when occurred_at like '%Z' then 0
                   else (case when substr(occurred_at, -6, 1) = '-' then -1 else 1 end)
                       * (cast(substr(occurred_at, -5, 2) as integer) * 60 + cast(substr(occurred_at, -2, 2) as integer))
                   end) * interval 1 minute
        end as occurred_at,
        case when json_valid(properties) and json_type(properties) = 'OBJECT' then properties end as properties
    from raw.events
),

clean as (
    select *
    from parsed
    where
        event_id is not null
        and occurred_at is not null
        and occurred_at >= timestamp '2015-01-01'
        and occurred_at <= received_at + interval 1 day
        and (user_id is not null or anonymous_id is not null)
        and event_name is not null
    qualify row_number() over (
        partition by event_id
        order by received_at, occurred_at, raw_event_name nulls last, raw_user_id nulls last,
            raw_anonymous_id nulls last, raw_account_id nulls last, raw_occurred_at nulls last,
            raw_properties nulls last
    ) = 1
),

owners as (
    select anonymous_id, arg_min(user_id, (occurred_at, event_id)) as owner_id
    from clean
    where user_id is not null and anonymous_id is not null
    group by anonymous_id
),

events as (
    select
        clean.event_id,
        clean.event_name,
        clean.occurred_at,
        coalesce(clean.user_id, owners.owner_id) as user_id,
        clean.anonymous_id,
        clean.event_name not in ('sync_started', 'sync_completed', 'sync_failed') as is_user_action,
        json_extract_string(clean.properties, '$.connection_id') as connection_id,
        lower(trim(json_extract_string(clean.properties, '$.source_type'))) as source_type,
        json_extract_string(clean.properties, '$.error_code') as error_code
    from clean
    left join owners on clean.anonymous_id = owners.anonymous_id
),

as_of as (
    select max(occurred_at) as as_of from clean
),

users as (
    select
        u.user_id,
        u.account_id,
        u.created_at as signed_up_at,
        cast(date_trunc('week', u.created_at) as date) as signup_cohort_week,
        case
            when a.employee_count between 1 and 49 then '1-49'
            when a.employee_count between 50 and 99 then '50-99'
            when a.employee_count between 100 and 199 then '100-199'
            when a.employee_count between 200 and 500 then '200-500'
            when a.employee_count >= 501 then '501+'
            else 'unknown'
        end as company_size_band,
        case
            when lower(trim(a.signup_channel)) in ('self_serve', 'sales_assisted') then lower(trim(a.signup_channel))
            else 'unknown'
        end as signup_channel,
        coalesce(a.employee_count between 50 and 500, false) as is_in_scope,
        u.created_at + interval 14 day as window_ends_at,
        u.created_at + interval 14 day <= as_of.as_of as is_mature,
        as_of.as_of
    from raw.users as u
    cross join as_of
    left join raw.accounts as a on u.account_id = a.account_id
    where not coalesce(u.is_internal, false)
        and not coalesce(a.is_test, false)
        and u.created_at <= as_of.as_of
),

-- A user's own events inside the window and not after as-of.
window_events as (
    select e.*, users.signed_up_at
    from events as e
    inner join users on e.user_id = users.user_id
    where e.occurred_at between users.signed_up_at and users.window_ends_at
        and e.occurred_at <= users.as_of
),

connections as (
    select user_id, event_id as connection_event_id, occurred_at as connected_at, connection_id, source_type
    from window_events
    where event_name = 'data_source_connected'
    qualify row_number() over (partition by user_id order by occurred_at, event_id) = 1
),

first_values as (
    select w.user_id, min(w.occurred_at) as first_value_at
    from window_events as w
    inner join connections as c on w.user_id = c.user_id and w.occurred_at >= c.connected_at
    where w.event_name in ('dashboard_created', 'report_scheduled', 'teammate_invited')
    group by w.user_id
),

security_reviews as (
    select distinct user_id
    from window_events
    where event_name = 'security_review_completed'
),

-- Sessions of every person (resolved user, else anonymous id) over user actions.
actions as (
    select
        event_id,
        occurred_at,
        user_id,
        case when user_id is not null then 'u' else 'a' end as person_type,
        coalesce(user_id, anonymous_id) as person_id
    from events
    where is_user_action
),

action_gaps as (
    select
        *,
        case
            when lag(occurred_at) over person_order is null then 1
            when epoch_us(occurred_at) - epoch_us(lag(occurred_at) over person_order) > 30 * 60 * 1000000 then 1
            else 0
        end as starts_session
    from actions
    window person_order as (partition by person_type, person_id order by occurred_at, event_id)
),

action_sessions as (
    select
        *,
        sum(starts_session) over (
            partition by person_type, person_id order by occurred_at, event_id
            rows between unbounded preceding and current row
        ) as session_number
    from action_gaps
),

user_sessions as (
    select user_id, session_number, min(occurred_at) as started_at, max(occurred_at) as ended_at
    from action_sessions
    where person_type = 'u'
    group by user_id, session_number
),

connecting_sessions as (
    select c.user_id, s.session_number, s.started_at, s.ended_at
    from connections as c
    inner join action_sessions as a on c.connection_event_id = a.event_id
    inner join user_sessions as s on a.user_id = s.user_id and a.session_number = s.session_number
),

returns as (
    select cs.user_id, min(s.started_at) as returned_at
    from connecting_sessions as cs
    inner join user_sessions as s on cs.user_id = s.user_id and s.started_at > cs.started_at
    inner join users on cs.user_id = users.user_id
    where s.started_at <= users.as_of
    group by cs.user_id
),

last_actions as (
    select a.user_id, max(a.occurred_at) as last_action_at
    from actions as a
    inner join users on a.user_id = users.user_id
    where a.occurred_at <= users.as_of
    group by a.user_id
),

first_minutes as (
    select
        c.user_id,
        count(case when e.is_user_action then 1 end) as actions_30m,
        coalesce(bool_or(e.is_user_action and e.event_name in ('dashboard_created', 'report_scheduled', 'teammate_invited')), false) as value_30m,
        coalesce(bool_or(e.event_name = 'empty_state_viewed'), false) as empty_30m,
        coalesce(bool_or(e.event_name = 'empty_state_viewed' and (fv.first_value_at is null or e.occurred_at <= fv.first_value_at)), false) as empty_before_value,
        coalesce(bool_or(e.event_name = 'template_gallery_viewed' and (fv.first_value_at is null or e.occurred_at <= fv.first_value_at)), false) as gallery_before_value
    from connections as c
    inner join users on c.user_id = users.user_id
    left join first_values as fv on c.user_id = fv.user_id
    inner join events as e
        on c.user_id = e.user_id
        and e.occurred_at > c.connected_at
        and e.occurred_at <= c.connected_at + interval 30 minute
        and e.occurred_at <= users.as_of
    group by c.user_id
),

sync_events as (
    select c.user_id, c.connected_at, fv.first_value_at, e.event_id, e.event_name, e.occurred_at, e.error_code
    from connections as c
    inner join users on c.user_id = users.user_id
    left join first_values as fv on c.user_id = fv.user_id
    inner join events as e
        on c.connection_id = e.connection_id
        and e.event_name in ('sync_completed', 'sync_failed')
        and e.occurred_at <= users.as_of
),

readiness as (
    select user_id, min(case when event_name = 'sync_completed' then occurred_at end) as ready_at
    from sync_events
    group by user_id
),

failures as (
    select
        s.user_id,
        bool_or(s.occurred_at >= s.connected_at and (r.ready_at is null or s.occurred_at < r.ready_at)) as failed_before_ready,
        bool_or(s.occurred_at > s.connected_at and s.occurred_at <= s.connected_at + interval 30 minute) as failed_30m
    from sync_events as s
    inner join readiness as r on s.user_id = r.user_id
    where s.event_name = 'sync_failed'
    group by s.user_id
),

first_errors as (
    select user_id, coalesce(error_code, 'unknown') as error_code
    from sync_events
    where event_name = 'sync_failed'
        and occurred_at >= connected_at
        and (first_value_at is null or occurred_at <= first_value_at)
    qualify row_number() over (partition by user_id order by occurred_at, event_id) = 1
),

joined as (
    select
        users.*,
        c.connected_at,
        c.connection_id,
        case
            when c.connected_at is null then 'none'
            else coalesce(c.source_type, lower(trim(dsc.source_type)), 'unknown')
        end as data_source_type,
        fv.first_value_at,
        fm.actions_30m,
        fm.value_30m,
        fm.empty_30m,
        fm.empty_before_value,
        fm.gallery_before_value,
        r.ready_at,
        f.failed_before_ready,
        f.failed_30m,
        fe.error_code,
        cs.started_at as connecting_started_at,
        cs.ended_at as connecting_ended_at,
        rt.returned_at,
        la.last_action_at,
        sr.user_id is not null and users.company_size_band = '501+' as reviewed
    from users
    left join connections as c on users.user_id = c.user_id
    left join raw.data_source_connections as dsc on c.connection_id = dsc.connection_id
    left join first_values as fv on users.user_id = fv.user_id
    left join first_minutes as fm on users.user_id = fm.user_id
    left join readiness as r on users.user_id = r.user_id
    left join failures as f on users.user_id = f.user_id
    left join first_errors as fe on users.user_id = fe.user_id
    left join connecting_sessions as cs on users.user_id = cs.user_id
    left join returns as rt on users.user_id = rt.user_id
    left join last_actions as la on users.user_id = la.user_id
    left join security_reviews as sr on users.user_id = sr.user_id
)

select
    user_id,
    account_id,
    signed_up_at,
    signup_cohort_week,
    company_size_band,
    signup_channel,
    is_in_scope,
    data_source_type,
    connected_at,
    connected_at is not null as is_connected,
    connection_id,
    first_value_at,
    first_value_at is not null as is_activated,
    is_mature,
    window_ends_at,
    as_of,
    (epoch_us(first_value_at) - epoch_us(connected_at)) / 60000000.0 as minutes_to_first_value,
    case when connected_at is not null then coalesce(actions_30m, 0) end as post_connection_actions_30m,
    case when connected_at is not null then coalesce(value_30m, false) end as had_value_event_30m,
    case when connected_at is not null then coalesce(empty_30m, false) end as saw_empty_state_30m,
    case when connected_at is not null then coalesce(failed_30m, false) end as had_sync_failed_30m,
    case when connected_at is not null then coalesce(empty_before_value, false) end as saw_empty_state_before_value_30m,
    case when connected_at is not null then coalesce(gallery_before_value, false) end as viewed_template_gallery_before_value_30m,
    case when ready_at is not null then greatest((epoch_us(ready_at) - epoch_us(connected_at)) / 60000000.0, 0) end as data_ready_minutes,
    case when connected_at is not null then coalesce(failed_before_ready, false) end as sync_failed_before_ready,
    case when connected_at is not null then coalesce(error_code, 'none') end as first_sync_error_code,
    (epoch_us(connecting_ended_at) - epoch_us(connecting_started_at)) / 60000000.0 as connecting_session_minutes,
    is_mature and connected_at is not null and first_value_at is null as dropped_after_connection,
    case when is_mature and connected_at is not null and first_value_at is null then returned_at is not null end as returned_after_drop,
    case
        when is_mature and connected_at is not null and first_value_at is null
            then coalesce(returned_at <= connected_at + interval 7 day, false)
    end as returned_within_7d,
    last_action_at,
    connected_at is not null and first_value_at is null and not is_mature
        and last_action_at is not null and last_action_at <= as_of - interval 3 day as is_stalled,
    case
        when first_value_at is not null then 'first_value'
        when connected_at is not null then 'data_source_connected'
        else 'signed_up'
    end as current_milestone,
    1 + (connected_at is not null)::int + (first_value_at is not null)::int + reviewed::int as milestones_completed,
    case when company_size_band = '501+' then 4 else 3 end as milestones_applicable
from joined;
