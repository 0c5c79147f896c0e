-- Clean events with their identity resolved and their context attached: who (the
-- event's own user_id, else the user its anonymous_id was first seen with), which account
-- (the event's own, else the user's), whether they are test or internal traffic (the
-- person's: macro is_excluded_from_metrics, the rule int_users applies), and what the
-- tracking plan says of the event name.
--
-- Incremental (docs/incremental-builds.md; delete+insert on event_id): a run resolves
-- again exactly the events whose answer can have changed since the last run, which
-- int_events__restated lists (arrivals, changed context, identity restated by a late
-- identify call), each with its anonymous id's owner looked up there (the same macro); the
-- logic below is the full refresh's, over those events, and only the rows that came out
-- different are written. Every row written carries loaded_through, a
-- stamp later than any earlier run's (the latest clean received_at), so the models
-- downstream take exactly the rows written since they ran.

{{
    config(
        materialized=event_grain_materialization(),
        incremental_strategy='delete+insert',
        unique_key='event_id',
        column_compression={'event_id': 'zstd'},
        on_schema_change='fail'
    )
}}

{{- run_window_dependency() }}
{{- parse_time_ref('int_events__restated') }}

{%- set incremental_run = is_incremental() %}

{#- The latest stamp already written (int_run_window): 1900-01-01 on a rebuild. -#}
{%- set previous_stamp = run_window('loaded_through') if incremental_run
    else "cast('1900-01-01' as " ~ dbt.type_timestamp() ~ ")" %}

with

-- The stamp of the rows written now: the latest clean received_at (what fct_events can
-- compare with its own), moved a microsecond past the previous stamp when no clean event
-- arrived since, so every run's rows carry a later stamp than any run before.
loaded as (
    select
        case
            when max(received_at) > {{ previous_stamp }} then max(received_at)
            else {{ dbt.dateadd('microsecond', 1, previous_stamp) }}
        end as loaded_through
    from {{ ref('int_events__classified') }}
    where event_outcome = 'clean'
),

users as (
    select * from {{ ref('stg_app__users') }}
),

accounts as (
    select * from {{ ref('stg_app__accounts') }}
),

-- Every user with whether they are kept out of the metrics: the one rule, on the user's
-- own flag and the test flag of the account they belong to (not the event's account).
people as (
    {{ people_with_exclusion('users', 'accounts') }}
),

tracking_plan as (
    select * from {{ ref('tracking_plan') }}
),

-- The events resolved, each with the owner of its anonymous id: the first clean event, by
-- (occurred_at, event_id), that carries both ids decides whom an anonymous id belongs to
-- (macro anonymous_id_owners). Every clean event, or in an incremental run those whose
-- answer can have changed, with the owners int_events__restated looked up for them.
{% if incremental_run %}
    clean_events as (
        select * from {{ ref('int_events__restated') }}
    ),

{% else %}
    anonymous_id_owners as (
        {{ anonymous_id_owners() | indent(8) }}
    ),

    clean_events as (
        select
            classified.event_id,
            classified.event_name,
            classified.occurred_at,
            classified.received_at,
            classified.user_id,
            classified.anonymous_id,
            classified.account_id,
            classified.properties,
            classified.has_valid_properties,
            anonymous_id_owners.user_id as anonymous_id_owner
        from {{ ref('int_events__classified') }} as classified
        left join anonymous_id_owners
            on classified.anonymous_id = anonymous_id_owners.anonymous_id
        where classified.event_outcome = 'clean'
    ),

{% endif %}

identified as (
    select
        clean_events.event_id,
        clean_events.event_name,
        clean_events.occurred_at,
        clean_events.received_at,
        coalesce(clean_events.user_id, clean_events.anonymous_id_owner) as user_id,
        clean_events.anonymous_id,
        clean_events.account_id as own_account_id,
        (clean_events.user_id is null and clean_events.anonymous_id_owner is not null)
            as is_identified_from_anonymous_id,
        clean_events.properties,
        clean_events.has_valid_properties
    from clean_events
),

resolved as (
    select
        identified.event_id,
        identified.event_name,
        identified.occurred_at,
        identified.received_at,
        identified.user_id,
        identified.anonymous_id,
        coalesce(identified.own_account_id, people.account_id) as account_id,
        identified.is_identified_from_anonymous_id,
        tracking_plan.event_name is not null as is_in_tracking_plan,
        -- Names outside the plan count as user actions (the spec): only the backend's
        -- known events are excluded from sessions, stalls and returns.
        coalesce(tracking_plan.is_user_action, true) as is_user_action,
        identified.has_valid_properties,
        identified.properties,
        {{ json_property('identified.properties', 'connection_id') }} as connection_id,
        lower(trim({{ json_property('identified.properties', 'source_type') }})) as source_type,
        {{ json_property('identified.properties', 'error_code') }} as error_code,
        coalesce(accounts.is_test, false) as is_test_account,
        coalesce(people.is_internal, false) as is_internal_user,
        -- The person's exclusion; an event without a known user, by its own account.
        coalesce(people.is_excluded_from_metrics, accounts.is_test, false) as is_excluded_from_metrics,
        -- Bookkeeping of the incremental build: the event's own account_id (the one
        -- above may come from the user) and when the row was written.
        identified.own_account_id,
        loaded.loaded_through
    from identified
    cross join loaded
    left join people
        on identified.user_id = people.user_id
    left join accounts
        on coalesce(identified.own_account_id, people.account_id) = accounts.account_id
    left join tracking_plan
        on identified.event_name = tracking_plan.event_name
),

-- An incremental run writes only the events whose row changed (macro rows_that_changed):
-- the lookback re-reads hours of events each run, and rewriting them unchanged would
-- restamp them and send their people through every model downstream again.
{% if incremental_run %}
    final as (
        {{ rows_that_changed('resolved', 'event_id') }}
    )

{% else %}
    final as (
        select * from resolved
    )

{% endif %}

select * from final
