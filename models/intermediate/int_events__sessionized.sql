-- User actions cut into sessions, per person (the resolved user, else the anonymous id):
-- in time order (ties by event_id), a gap of more than session_timeout_minutes starts a
-- new session; a gap of exactly that long does not. The session id is a hash of the person
-- key and the session's first event_id, so it is stable across rebuilds. Backend events
-- (sync_*) are not user actions and belong to no session.
--
-- Incremental (README, "Incremental builds"; delete+insert on event_id): a person is
-- touched when int_events__resolved wrote one of their events since this model last ran
-- (a new action, a late one, one that moved to or away from them when an anonymous id
-- changed hands, one that stopped being a user action). With t the earliest such action,
-- old or new, the person's sessions that ended more than the timeout before t cannot
-- change and are kept; every action from the start of the first later session (or from
-- t) is cut again, numbered after the kept sessions. A late action that merges, extends
-- or splits sessions therefore rewrites all of them, and an action no longer the person's
-- is deleted: it is written as a row without a session (a tombstone) that the post-hook
-- removes, so no stale row survives. When int_events__resolved wrote nothing since, the
-- run writes nothing without reading the actions (an hourly run with nothing new).

{{
    config(
        materialized=event_grain_materialization(),
        incremental_strategy='delete+insert',
        unique_key='event_id',
        column_compression={'event_id': 'zstd'},
        on_schema_change='fail',
        post_hook="{{ delete_tombstones('session_id') }}"
    )
}}

{{- run_window_dependency() }}

{%- set incremental_run = is_incremental() %}
{%- set nothing_written_upstream = incremental_run
    and not has_rows_after_run_window(ref('int_events__resolved')) %}

{%- set timeout_seconds = setting('session_timeout_minutes') * 60 %}

{#- A person is the resolved user, else the anonymous id. -#}
{%- set person_type = "case when user_id is not null then 'user' else 'anonymous' end" %}
{%- set person_id = "coalesce(user_id, anonymous_id)" %}

with

loaded as (
    select max(loaded_through) as loaded_through
    from {{ ref('int_events__resolved') }}
),

{% if incremental_run %}
    -- Events int_events__resolved wrote since this model last wrote (the stamp in its run
    -- window): stamps only grow, so a run that failed or was skipped is caught up by the
    -- next one. The previous build is read from this model's own table, a few columns
    -- where each step needs them.
    changed_events as (
        select
            event_id,
            occurred_at,
            is_user_action,
            {{ person_type }} as person_type,
            {{ person_id }} as person_id
        from {{ ref('int_events__resolved') }}
        where {{ stamped_after_run_window() }}
    ),

    -- The previous rows of those events: where each action was before (its person may have
    -- changed, or it may no longer be an action). Read once for two uses below.
    changed_previous as (
        select
            previous.event_id,
            previous.person_type,
            previous.person_id,
            previous.occurred_at
        from {{ this }} as previous
        inner join changed_events
            on previous.event_id = changed_events.event_id
    ),

    -- Each touched person and the earliest change to their timeline: an action added (new
    -- version) or taken away (previous version, which may belong to another person).
    touched_persons as (
        select
            person_type,
            person_id,
            min(occurred_at) as changed_from
        from (
            select
                person_type,
                person_id,
                occurred_at
            from changed_events
            where is_user_action

            union all

            select
                person_type,
                person_id,
                occurred_at
            from changed_previous
        ) as changes
        group by
            person_type,
            person_id
    ),

    previous_sessions as (
        select
            previous.person_type,
            previous.person_id,
            previous.session_number,
            min(previous.occurred_at) as started_at,
            max(previous.occurred_at) as ended_at
        from {{ this }} as previous
        inner join touched_persons
            on previous.person_type = touched_persons.person_type
            and previous.person_id = touched_persons.person_id
        group by
            previous.person_type,
            previous.person_id,
            previous.session_number
    ),

    -- A session that ended more than the timeout before the first change keeps its events:
    -- no action at or after the change can join it.
    judged_sessions as (
        select
            previous_sessions.person_type,
            previous_sessions.person_id,
            previous_sessions.session_number,
            previous_sessions.started_at,
            {{ elapsed_seconds('previous_sessions.ended_at', 'touched_persons.changed_from') }}
                > {{ timeout_seconds }} as is_kept
        from previous_sessions
        inner join touched_persons
            on previous_sessions.person_type = touched_persons.person_type
            and previous_sessions.person_id = touched_persons.person_id
    ),

    -- The person is cut again from the start of their first session not kept (or from the
    -- change, when it comes first), numbering after the kept sessions.
    recut_persons as (
        select
            touched_persons.person_type,
            touched_persons.person_id,
            case
                when min(case when not judged_sessions.is_kept then judged_sessions.started_at end)
                    < touched_persons.changed_from
                    then min(case when not judged_sessions.is_kept then judged_sessions.started_at end)
                else touched_persons.changed_from
            end as recut_from,
            coalesce(max(case when judged_sessions.is_kept then judged_sessions.session_number end), 0)
                as kept_sessions
        from touched_persons
        left join judged_sessions
            on touched_persons.person_type = judged_sessions.person_type
            and touched_persons.person_id = judged_sessions.person_id
        group by
            touched_persons.person_type,
            touched_persons.person_id,
            touched_persons.changed_from
    ),

{% endif %}

-- Only what the readers take goes through the two windows' sorts and into the table:
-- neither user_id (it is the person id of a person of type 'user': the readers derive it)
-- nor anonymous_id (read by no model) is kept; each was a text column of every action.
user_actions as (
    select
        resolved.event_id,
        resolved.occurred_at,
        resolved.account_id,
        resolved.is_excluded_from_metrics,
        resolved.person_type,
        resolved.person_id,
        {{ 'recut_persons.kept_sessions' if incremental_run else '0' }} as kept_sessions
    from (
        select
            *,
            {{ person_type }} as person_type,
            {{ person_id }} as person_id
        from {{ ref('int_events__resolved') }}
        -- (The bound on occurred_at is implied by the join below; stated so the scan skips
        -- the blocks of earlier actions, DuckDB's min/max per block, instead of reading
        -- them all.)
        where is_user_action{{ ' and occurred_at >= (select min(recut_from) from recut_persons)' if incremental_run }}
    ) as resolved
    {%- if incremental_run %}
    inner join recut_persons
        on resolved.person_type = recut_persons.person_type
        and resolved.person_id = recut_persons.person_id
        and resolved.occurred_at >= recut_persons.recut_from
    {%- endif %}
),

gaps as (
    select
        *,
        case
            when lag(occurred_at) over (partition by person_type, person_id order by occurred_at, event_id) is null
                then 1
            when {{ elapsed_seconds(
                'lag(occurred_at) over (partition by person_type, person_id order by occurred_at, event_id)',
                'occurred_at'
            ) }} > {{ timeout_seconds }} then 1
            else 0
        end as starts_session
    from user_actions
),

-- Numbered in the order the gaps were found in, and each action carries its session's id
-- (that of the latest session start so far) from the same window: hashed once per
-- session, at its start, rather than once per action.
numbered as (
    select
        *,
        kept_sessions + sum(starts_session) over (
            partition by person_type, person_id
            order by occurred_at, event_id
            rows between unbounded preceding and current row
        ) as session_number,
        {{ last_value_ignoring_nulls(
            'case when starts_session = 1 then '
                ~ dbt.hash(dbt.concat(['person_type', "'|'", 'person_id', "'|'", 'event_id'])) ~ ' end',
            'person_type, person_id',
            'occurred_at, event_id'
        ) }} as session_id
    from gaps
),

sessionized as (
    select
        event_id,
        occurred_at,
        person_type,
        person_id,
        account_id,
        is_excluded_from_metrics,
        cast(session_number as {{ dbt.type_bigint() }}) as session_number,
        session_id
    from numbered
),

{% if incremental_run %}
    -- Actions of the touched persons, in the stretch cut again, that are no longer theirs nor
    -- anyone's (they moved away and were not cut in for their new person, or stopped being
    -- user actions): tombstones (macro tombstone_columns), deleted by the post-hook. Only
    -- a changed event can be one: int_events__resolved never drops a row, and an action
    -- it did not write again is still its person's, at the same time, so it is cut again
    -- above. Looking among the changed events' previous rows, not among every previous
    -- row of the stretch cut again, saves a join of most of the table (docs/performance-log.md,
    -- "Seventh session of 2026-12-07").
    tombstones as (
        select {{ tombstone_columns('event_id', 'changed_previous') }}
        from changed_previous
        where changed_previous.event_id not in (select sessionized.event_id from sessionized)
    ),

    written as (
        select * from sessionized
        union all
        select * from tombstones
    ),

{% else %}
    written as (
        select * from sessionized
    ),

{% endif %}

{% if nothing_written_upstream %}
    -- Nothing written by int_events__resolved since this model last ran: every change
    -- above starts from such a row, so no person is touched and the run writes no row.
    -- Said here rather than found by the engine, which would read every action to join
    -- it to no one (macro has_rows_after_run_window); the CTEs above go unread.
    final as (
        {{ empty_write() | indent(8) }}
    )

{% else %}
    final as (
        select
            written.event_id,
            written.occurred_at,
            written.person_type,
            written.person_id,
            written.account_id,
            written.is_excluded_from_metrics,
            written.session_number,
            written.session_id,
            -- Bookkeeping of the incremental build: the upstream rows consumed.
            loaded.loaded_through
        from written
        cross join loaded
    )

{% endif %}

select * from final
