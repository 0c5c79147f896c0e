{#- The signatures of the raw tables, taken once per invocation (docs/incremental-builds.md,
    "Unchanged tables are kept").

    Every kept table's fingerprint includes a signature of each raw table it reads, through
    the staging views (macro fingerprint_input_signatures). Computed by each table, the app
    tables' signatures (the sum of a hash of every row: they are edited in place) were read
    again by every table that reads them: at 10M short journeys (1.2M users, 2.2M flag
    exposures) about 1 s of the 1.3 s the fingerprints of a run with nothing new cost,
    dq_source_freshness alone 0.38 s. The on-run-start hook below takes each source's
    signature once, before any model reads a source, into history.source_signatures; the
    fingerprints read it from there.

    Taken before the models run, a signature can only be older than the rows a table was
    built from: a source that changes during the run is seen as changed at the next run,
    which rebuilds, as when each table took its own. A source with no row of this
    invocation (missing from the warehouse, or the hook did not run) has no signature, and
    the tables that read it are built, never kept. -#}

{#- The on-run-start hook: for `dbt run` and `dbt build` when a fingerprinted model is
    selected, history.source_signatures becomes this invocation's signature of every source
    that exists. -#}
{% macro record_source_signatures() -%}
    {%- if execute and flags.WHICH in ('run', 'build') and table_fingerprints_supported()
        and _fingerprinted_model_selected() -%}
        {%- set selects = [] -%}
        {%- set queries = [] -%}
        {%- for source in graph.sources.values() -%}
            {%- set relation = adapter.get_relation(
                database=source.database, schema=source.schema, identifier=source.identifier
            ) -%}
            {%- set query = none -%}
            {%- if relation is not none -%}
                {%- set query = source_signature_sql(source, relation) | trim -%}
                {%- do selects.append(
                    'select ' ~ sql_string_literal(source.unique_id) ~ ' as input_id, signature from ('
                    ~ query ~ ') as signed'
                ) -%}
            {%- endif -%}
            {%- do queries.append([
                history_text(source.unique_id), history_text(source.database), history_text(source.schema),
                history_text(source.identifier), history_text(query), history_text(invocation_id),
            ]) -%}
        {%- endfor -%}
        {%- set signatures = selects | join('\nunion all\n') if selects
            else 'select cast(null as ' ~ dbt.type_string() ~ ') as input_id, cast(null as '
                ~ dbt.type_string() ~ ') as signature where 1 = 0' -%}
        {%- do history_replace_rows(
            history_table('source_signatures'),
            'select input_id, signature, ' ~ history_text(invocation_id) ~ ' as invocation_id, '
            ~ history_timestamp(run_started_at.strftime('%Y-%m-%d %H:%M:%S.%f')) ~ ' as recorded_at from ('
            ~ signatures ~ ') as signatures'
        ) -%}
        {#- The query behind each signature, and the sources that were missing, for the
            tooling's check before a build (`activation-warehouse build --if-changed`,
            activation_warehouse/unchanged.py): it runs these same queries again, so how a
            source is signed stays written once, here. A selected model that finds tables of
            its own (meta reads_unlisted_tables: a collector's per-event tables) reads rows no
            signature covers: a row without a relation tells the check it cannot vouch for
            this build. Tables in the history schema (meta value 'history') change only within
            dbt's own invocations, which the check sees. -#}
        {%- for unique_id in selected_resources if unique_id in graph.nodes -%}
            {%- set unlisted = graph.nodes[unique_id].config.meta.get('reads_unlisted_tables') -%}
            {%- if unlisted and unlisted != 'history' -%}
                {%- do queries.append([
                    history_text(unique_id), history_text(none), history_text(none), history_text(none),
                    history_text(none), history_text(invocation_id),
                ]) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- set rows = [] -%}
        {%- for query in queries -%}
            {%- do rows.append('(' ~ (query | join(', ')) ~ ')') -%}
        {%- endfor -%}
        {%- if rows -%}
            {%- do history_replace_rows(
                history_table('source_signature_queries'),
                'select * from (values ' ~ (rows | join(',\n')) ~ ') as queries (input_id, source_database,'
                ~ ' source_schema, source_identifier, signature_sql, invocation_id)'
            ) -%}
        {%- endif -%}
    {%- endif -%}
    select 1 as source_signatures_recorded
{%- endmacro %}

{% macro _fingerprinted_model_selected() -%}
    {%- for unique_id in selected_resources if unique_id in graph.nodes -%}
        {%- if (graph.nodes[unique_id].config.materialized or '').startswith('fingerprinted_') -%}
            {{ return(true) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(false) }}
{%- endmacro %}

{#- A query returning one text, `signature`, that changes whenever the rows of source
    `node` (at `relation`) do: for a raw table declared append-only (meta append_only: rows
    are only added, a restated day stops the run, docs/incremental-builds.md "Restated raw
    data"), its row count and latest loaded_at_field; for any other, its row count and the
    sum of a hash of every row. -#}
{% macro source_signature_sql(node, relation) -%}
    {%- if node.config.meta.get('append_only') and node.loaded_at_field -%}
        {%- set text = dbt.type_string() -%}
        select
            cast(count(*) as {{ text }}) || '/' || cast(max({{ node.loaded_at_field }}) as {{ text }})
                as signature
        from {{ relation }}
    {%- else -%}
        {{ relation_content_signature_sql(relation) }}
    {%- endif -%}
{%- endmacro %}

{#- A scalar subquery: this invocation's signature of the source `unique_id` (null if none). -#}
{% macro recorded_source_signature_sql(unique_id) -%}
    (select max(signature) from {{ history_table('source_signatures') }}
        where input_id = {{ sql_string_literal(unique_id) }}
            and invocation_id = {{ sql_string_literal(invocation_id) }})
{%- endmacro %}
