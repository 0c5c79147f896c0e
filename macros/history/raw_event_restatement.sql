{#- Restated raw data (docs/incremental-builds.md, "Restated raw data"). An incremental run
    re-reads only the raw rows received since its lookback start, so a day it already
    built that is later deleted, replayed or altered in raw.events would silently differ
    from a full refresh. Each build that ran int_events__classified records what it read
    (record_raw_event_days, on-run-end); the next incremental run compares (on-run-start,
    detect_raw_restatement), records any changed day and stops with one line naming them
    and the command that repairs them. The figures the comparison reads are kept for the
    rest of the invocation (history.raw_event_days_read), and the record at its end
    re-reads only the raw rows of the days from the earlier of the two cutoffs on: a
    second hash of every raw row cost about 1 s of each 10M-event run that built the
    events (about 10 s at 100M by scale, not measured). -#}

{% macro _classified_node() -%}
    {{ return(graph.nodes['model.activation_warehouse.int_events__classified']) }}
{%- endmacro %}

{#- Per received day (UTC date of received_at), the raw rows received before `cutoff_sql`
    (an SQL timestamp expression), and from `from_sql` on when given: received_date,
    raw_rows, fingerprint (text). -#}
{#- event_rows() for a hook: a hook may not call ref() (dbt cannot infer a hook's
    dependencies), so the collector's mapped tracks are found through the graph. -#}
{% macro _hooked_event_rows() -%}
    {%- if collector_is_chosen() -%}
        {%- set node = graph.nodes['model.activation_warehouse.stg_segment__tracks'] -%}
        {{ return(api.Relation.create(database=node.database, schema=node.schema, identifier=node.alias)) }}
    {%- endif -%}
    {{ return(event_rows()) }}
{%- endmacro %}

{% macro raw_event_day_figures(cutoff_sql, from_sql=none) -%}
    {#- The contract's columns of raw.events (an extra column a loader adds is no
        restatement); with a collector chosen that source is disabled and not in the graph,
        so the columns of the collector's mapped tracks (the same contract) are read. -#}
    {%- set source_node = graph.sources.get('source.activation_warehouse.tracker.events') -%}
    {%- if source_node -%}
        {%- set columns = source_node.columns.keys() | list -%}
    {%- else -%}
        {%- set columns = adapter.get_columns_in_relation(_hooked_event_rows()) | map(attribute='name') | list -%}
    {%- endif -%}
    {#- The fingerprint sums macro row_hash over every contract column: a renamed event or a
        stripped property keeps ids, so ids alone would miss it. -#}
    select
        cast(received_at as date) as received_date,
        count(*) as raw_rows,
        cast(sum({{ row_hash(columns) }}) as {{ dbt.type_string() }}) as fingerprint
    from {{ _hooked_event_rows() }}
    where received_at < {{ cutoff_sql }}{{ ' and received_at >= ' ~ from_sql if from_sql }}
    group by cast(received_at as date)
{%- endmacro %}

{#- The on-run-end hook: when int_events__classified ran successfully in this invocation,
    history.raw_event_days becomes the figures of every day settled by it: the raw rows
    received before C = (latest received_at it judged) - incremental_lookback_hours. Later
    rows are re-read by the next incremental run anyway. A build with no settled row
    leaves one row without a day, which keeps C. Not when int_events__classified was kept
    (_raw_event_days_unchanged): the figures recorded then are those it would record.

    The days before the earlier of C and the cutoff S of the figures detect_raw_restatement
    computed at the start of this invocation (history.raw_event_days_read) are whole on
    both sides of either cutoff, so their figures are taken from there: what the raw
    table held before any model read it. Only the raw rows received from that day on are
    hashed again; with no such figures (the check did not run: a first build), all are. -#}
{% macro record_raw_event_days(results) -%}
    {%- if execute -%}
        {%- set node = _classified_node() -%}
        {%- set ran = results | selectattr('node.unique_id', 'equalto', node.unique_id)
            | selectattr('status', 'equalto', 'success') | list -%}
        {%- set model = adapter.get_relation(database=node.database, schema=node.schema, identifier=node.alias)
            if ran else none -%}
        {%- if ran and model is not none and not _raw_event_days_unchanged(model) -%}
            {%- set relation = history_table('raw_event_days') -%}
            {%- set read = history_table('raw_event_days_read') -%}
            {%- set cutoff_ctes -%}
                judged as (
                    select max(received_at) as latest_received_at
                    from {{ model }}
                ),

                cutoff as (
                    select
                        latest_received_at,
                        {{ dbt.dateadd('hour', -1 * setting('incremental_lookback_hours'), 'latest_received_at') }}
                            as settled_before
                    from judged
                )
            {%- endset -%}
            {#- The first day read again, fetched first: as a constant the bound reaches the scan
                of raw.events, which then skips the earlier rows instead of reading them all. -#}
            {%- set split_sql -%}
                with

                {{ cutoff_ctes }},

                read_cutoff as (
                    select max(settled_before) as settled_before
                    from {{ read }}
                    where invocation_id = {{ history_text(invocation_id) }}
                )

                select
                    cast(
                        case
                            when read_cutoff.settled_before is null then {{ history_timestamp('1900-01-01') }}
                            when read_cutoff.settled_before < cutoff.settled_before
                                then read_cutoff.settled_before
                            else cutoff.settled_before
                        end as date
                    ) as split_date
                from read_cutoff
                cross join cutoff
            {%- endset -%}
            {%- set split_date = run_query(split_sql).columns[0].values()[0] or '1900-01-01' -%}
            {%- set select_sql -%}
                with

                {{ cutoff_ctes }},

                settled_days as (
                    select
                        received_date,
                        raw_rows,
                        fingerprint
                    from {{ read }}
                    where
                        invocation_id = {{ history_text(invocation_id) }}
                        and received_date < cast({{ sql_string_literal(split_date | string) }} as date)
                    union all
                    {{ raw_event_day_figures(
                        '(select settled_before from cutoff)',
                        history_timestamp(split_date | string)
                    ) }}
                ),

                with_marker as (
                    select received_date, raw_rows, fingerprint from settled_days
                    union all
                    select
                        cast(null as date) as received_date,
                        cast(0 as {{ dbt.type_bigint() }}) as raw_rows,
                        cast(null as {{ dbt.type_string() }}) as fingerprint
                    from cutoff
                    where not exists (select 1 from settled_days)
                )

                select
                    with_marker.received_date,
                    cast(with_marker.raw_rows as {{ dbt.type_bigint() }}) as raw_rows,
                    with_marker.fingerprint,
                    cutoff.settled_before,
                    cutoff.latest_received_at,
                    {{ history_timestamp(run_started_at.strftime('%Y-%m-%d %H:%M:%S.%f')) }} as recorded_at,
                    {{ history_text(invocation_id) }} as invocation_id
                from with_marker
                cross join cutoff
                where cutoff.settled_before is not null
            {%- endset -%}
            {%- do history_replace_rows(relation, select_sql) -%}
        {%- endif -%}
    {%- endif -%}
    select 1 as raw_event_days_recorded
{%- endmacro %}

{#- Whether the figures history.raw_event_days holds are those record_raw_event_days would
    record now: int_events__classified (`model`) was kept in this invocation
    (fingerprinted_incremental: its record is an earlier invocation's), so raw.events' row
    count and latest received_at, and the table, are what they were when the figures were
    recorded (a row changed in place would have stopped the run: detect_raw_restatement),
    and the figures were cut at the lookback now in force. Reading 10M raw rows to write
    the same figures again cost about 1.3 s of an hourly run with nothing new. -#}
{% macro _raw_event_days_unchanged(model) -%}
    {%- if not table_fingerprints_supported() -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set fingerprints = history_table('table_fingerprints') -%}
    {%- set days = history_table('raw_event_days') -%}
    {%- set query -%}
        select count(*)
        from {{ fingerprints }}
        where
            relation_name = {{ sql_string_literal(model | string) }}
            and invocation_id <> {{ sql_string_literal(invocation_id) }}
            and exists (
                select 1
                from {{ days }}
                where settled_before
                    = {{ dbt.dateadd('hour', -1 * setting('incremental_lookback_hours'), 'latest_received_at') }}
            )
    {%- endset -%}
    {{ return(run_query(query).columns[0].values()[0] | int > 0) }}
{%- endmacro %}

{#- Consecutive dates as 'a..b' ranges, at most five items ('and N more days' after four). -#}
{% macro _day_ranges(days) -%}
    {%- set ranges = [] -%}
    {%- for day in days | sort -%}
        {%- set current = modules.datetime.date.fromisoformat(day) -%}
        {%- if ranges and (current - ranges[-1][1]).days == 1 -%}
            {%- do ranges.append([ranges.pop()[0], current]) -%}
        {%- else -%}
            {%- do ranges.append([current, current]) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set items = [] -%}
    {%- for first, last in ranges -%}
        {%- do items.append(first.isoformat() if first == last else first.isoformat() ~ '..' ~ last.isoformat()) -%}
    {%- endfor -%}
    {%- if items | length > 5 -%}
        {%- set shown = items[:4] -%}
        {%- set rest = ranges[4:] -%}
        {%- set ns = namespace(days=0) -%}
        {%- for first, last in rest -%}
            {%- set ns.days = ns.days + (last - first).days + 1 -%}
        {%- endfor -%}
        {%- do shown.append('and ' ~ ns.days ~ ' more day' ~ ('' if ns.days == 1 else 's')) -%}
        {{ return(shown | join(', ')) }}
    {%- endif -%}
    {{ return(items | join(', ')) }}
{%- endmacro %}

{#- The on-run-start hook (after the raw contract check): when this invocation runs
    int_events__classified, which exists and keeps state, and a previous build recorded
    what it read, the same figures are recomputed over the rows received before that
    build's C. Changed days go to history.raw_event_restatements; an incremental run then
    stops with one line, a full rebuild (--full-refresh, or an engine that rebuilds the
    model every run) goes on, which is the repair. -#}
{% macro detect_raw_restatement() -%}
    {%- if execute and flags.WHICH in ('run', 'build') -%}
        {%- set node = _classified_node() -%}
        {%- set model = adapter.get_relation(database=node.database, schema=node.schema, identifier=node.alias) -%}
        {%- if node.unique_id in selected_resources and model is not none -%}
            {%- set days = history_table('raw_event_days') -%}
            {%- set restatements = history_table('raw_event_restatements') -%}
            {#- The figures now, kept for record_raw_event_days at the end of the run. -#}
            {%- set read = history_table('raw_event_days_read') -%}
            {%- set read_sql -%}
                with

                stored_cutoff as (
                    select max(settled_before) as settled_before
                    from {{ days }}
                ),

                current_days as (
                    {{ raw_event_day_figures('(select settled_before from stored_cutoff)') }}
                )

                select
                    current_days.received_date,
                    cast(current_days.raw_rows as {{ dbt.type_bigint() }}) as raw_rows,
                    current_days.fingerprint,
                    stored_cutoff.settled_before,
                    {{ history_text(invocation_id) }} as invocation_id
                from current_days
                cross join stored_cutoff
            {%- endset -%}
            {%- do history_replace_rows(read, read_sql) -%}
            {%- set comparison_sql -%}
                with

                stored as (
                    select received_date, raw_rows, fingerprint
                    from {{ days }}
                    where received_date is not null
                ),

                current_days as (
                    select received_date, raw_rows, fingerprint
                    from {{ read }}
                    where invocation_id = {{ history_text(invocation_id) }}
                ),

                compared as (
                    select
                        coalesce(stored.received_date, current_days.received_date) as received_date,
                        coalesce(stored.raw_rows, 0) as rows_before,
                        coalesce(current_days.raw_rows, 0) as rows_after,
                        coalesce(stored.fingerprint, '') as fingerprint_before,
                        coalesce(current_days.fingerprint, '') as fingerprint_after
                    from stored
                    full outer join current_days
                        on stored.received_date = current_days.received_date
                )

                select
                    cast(received_date as {{ dbt.type_string() }}) as received_date,
                    rows_before,
                    rows_after,
                    case
                        when rows_after < rows_before then 'rows deleted'
                        when rows_after > rows_before then 'rows added'
                        else 'rows altered'
                    end as change
                from compared
                where rows_before != rows_after or fingerprint_before != fingerprint_after
                order by received_date
            {%- endset -%}
            {%- set changed = run_query(comparison_sql) -%}
            {%- if changed.rows | length > 0 -%}
                {%- set latest = run_query(
                    'select cast(max(received_at) as ' ~ dbt.type_string() ~ ') from ' ~ _hooked_event_rows()
                ).columns[0].values()[0] -%}
                {%- set already = run_query(
                    'select cast(received_date as ' ~ dbt.type_string() ~ ') from ' ~ restatements
                    ~ ' where detected_through = ' ~ history_timestamp(latest)
                ).columns[0].values() | map('string') | list -%}
                {%- set rows = [] -%}
                {%- set kinds = [] -%}
                {%- for row in changed.rows -%}
                    {%- if row[3] not in kinds -%}{%- do kinds.append(row[3]) -%}{%- endif -%}
                    {%- if (row[0] | string) not in already -%}
                        {%- do rows.append([
                            'cast(' ~ sql_string_literal(row[0] | string) ~ ' as date)',
                            history_timestamp(run_started_at.strftime('%Y-%m-%d %H:%M:%S.%f')),
                            history_timestamp(latest),
                            row[1] | int, row[2] | int, sql_string_literal(row[3]),
                        ]) -%}
                    {%- endif -%}
                {%- endfor -%}
                {%- set columns = [] -%}
                {%- for column, _ in history_columns('raw_event_restatements') -%}
                    {%- do columns.append(column) -%}
                {%- endfor -%}
                {%- do history_insert_rows(restatements, columns, rows) -%}
                {%- set keeps_state = node.config.materialized in ('incremental', 'fingerprinted_incremental')
                    and not flags.FULL_REFRESH -%}
                {%- if keeps_state -%}
                    {%- set ordered = [] -%}
                    {%- for kind in ['rows deleted', 'rows added', 'rows altered'] if kind in kinds -%}
                        {%- do ordered.append(kind[5:] if ordered else kind) -%}
                    {%- endfor -%}
                    {{ exceptions.raise_compiler_error(
                        'raw.events was restated since the last build: received days '
                        ~ _day_ranges(changed.columns[0].values() | map('string') | list)
                        ~ ' changed (' ~ ordered | join(' or ') ~ '); rebuild with: dbt build --full-refresh'
                    ) }}
                {%- endif -%}
            {%- endif -%}
        {%- endif -%}
    {%- endif -%}
    select 1 as raw_data_not_restated
{%- endmacro %}
