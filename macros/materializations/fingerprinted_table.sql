{#- A table that is kept, not rebuilt, when nothing it is made of has changed since it was
    last built (docs/incremental-builds.md, "Unchanged tables are kept").

    Most of this project's tables (the person- and day-grain intermediates and marts) are
    rebuilt in full on every run, because their rows depend on the as-of time, which moves
    with the data. In a run where no event, app row, seed, setting or line of code changed,
    each rebuild writes the rows it already holds: at 10M events that was most of an hourly
    run with nothing new. This materialization first computes the table's fingerprint (its
    compiled SQL and configuration, and a cheap signature of every relation it reads, in
    one query: macro table_fingerprint), and keeps the table when the fingerprint recorded
    at its last build is the same. Otherwise it builds the table with the engine's own
    `table` materialization (contracts, grants, docs and hooks as ever) and records the new
    fingerprint in history.table_fingerprints.

    Never kept: on --full-refresh, when the table is missing, when the record is missing
    (a first build, a build that failed half-way), and when an input has no cheap signature
    (macro fingerprint_input_signatures): such a table is built every run, as a plain table
    would be. On Spark it is always built (table_fingerprints_supported). -#}
{% materialization fingerprinted_table, default %}
    {%- set build_table = engine_materialization('table') -%}
    {%- if not table_fingerprints_supported() -%}
        {{ return(build_table()) }}
    {%- endif -%}

    {%- set target_relation = this.incorporate(type='table') -%}
    {%- set existing_relation = load_cached_relation(this) -%}
    {%- set state = history_table('table_fingerprints') -%}
    {%- set fingerprint = table_fingerprint(model, target_relation, state) -%}

    {%- if table_is_kept(fingerprint, existing_relation, 'last build') -%}
        {{ return({'relations': [target_relation]}) }}
    {%- endif -%}

    {#- Forgotten before the build, so a build that fails half-way leaves no record that
        could keep a table it did not finish. -#}
    {%- do forget_fingerprint(state, target_relation) -%}
    {%- set result = build_table() -%}
    {#- A table built without a fingerprint (an input has no cheap signature) records the
        signature of its own rows instead, so the tables that read it can still be kept
        while its rows stay the same (the tables built so are small: data-quality marts). -#}
    {%- set recorded = fingerprint.current or 'rows ' ~ run_query(
        relation_content_signature_sql(target_relation)
    ).columns[0].values()[0] -%}
    {%- do record_fingerprint(state, target_relation, recorded) -%}
    {{ return(result) }}
{% endmaterialization %}


{#- Whether the table being built is kept (fingerprinted_table, fingerprinted_incremental):
    its fingerprint now is known and the one recorded at its `since` ('last build', 'last
    run'), its table is there, and this is no full refresh. Says so in the log. -#}
{% macro table_is_kept(fingerprint, existing_relation, since) -%}
    {%- set kept = fingerprint.current is not none
        and fingerprint.current == fingerprint.recorded
        and existing_relation is not none and existing_relation.is_table
        and not should_full_refresh() -%}
    {%- if kept -%}
        {{ log(this ~ ' kept: its code and inputs are unchanged since its ' ~ since, info=True) }}
    {%- endif -%}
    {{ return(kept) }}
{%- endmacro %}

{#- The record of `relation`'s fingerprint in `state` (history.table_fingerprints), written
    once it is built, and forgotten before it is built. -#}
{% macro record_fingerprint(state, relation, fingerprint) -%}
    {%- do history_insert_rows(
        state,
        ['relation_name', 'unique_id', 'fingerprint', 'built_at', 'invocation_id'],
        [[
            sql_string_literal(relation | string),
            sql_string_literal(model.unique_id),
            sql_string_literal(fingerprint),
            history_timestamp(run_started_at.strftime('%Y-%m-%d %H:%M:%S.%f')),
            sql_string_literal(invocation_id),
        ]]
    ) -%}
{%- endmacro %}

{% macro forget_fingerprint(state, relation) -%}
    {%- do history_execute([
        'delete from ' ~ state ~ ' where relation_name = ' ~ sql_string_literal(relation | string)
    ]) -%}
{%- endmacro %}

{#- A scalar subquery: the fingerprint recorded for `relation` in `state` (null if none). -#}
{% macro recorded_fingerprint_sql(state, relation) -%}
    (select max(fingerprint) from {{ state }} where relation_name = {{ sql_string_literal(relation | string) }})
{%- endmacro %}

{#- What a node's own code contributes to its fingerprint (tables and views alike): its
    compiled SQL, configuration, documented columns and dbt's version, after `scheme`,
    which names the way the rest is read. -#}
{% macro code_fingerprint_parts(node, scheme) -%}
    {{ return([
        scheme, dbt_version, node.compiled_code,
        tojson(node.config, sort_keys=true), tojson(node.columns, sort_keys=true),
    ]) }}
{%- endmacro %}

{#- The engine's own materialization `name` (dbt-duckdb's `table`, dbt-postgres' `view`...),
    to which the fingerprinted ones hand a build. -#}
{% macro engine_materialization(name) -%}
    {{ return(context.get('materialization_' ~ name ~ '_' ~ adapter.type())
        or context.get('materialization_' ~ name ~ '_default')) }}
{%- endmacro %}


{#- Whether the engine keeps fingerprints. Spark does not: each query there costs seconds
    of planning, and its Parquet history tables take no row delete, so the fingerprint
    would cost what it could save. -#}
{% macro table_fingerprints_supported() -%}
    {{ return(adapter.dispatch('table_fingerprints_supported', 'activation_warehouse')()) }}
{%- endmacro %}

{% macro default__table_fingerprints_supported() -%}
    {{ return(true) }}
{%- endmacro %}

{% macro spark__table_fingerprints_supported() -%}
    {{ return(false) }}
{%- endmacro %}


{#- The fingerprint of `node` (the model being built into `relation`) now, and the one
    recorded at its last build in `state` (history.table_fingerprints): {'current': text
    or none, 'recorded': text or none}. One query, run as the node's 'main' statement,
    returns a row per input signature and one for the record; `current` is none when an
    input has no cheap signature or a signature comes back null (an input table missing,
    an upstream fingerprinted table with no record). -#}
{% macro table_fingerprint(node, relation, state) -%}
    {%- set selects = [] -%}
    {%- set signed = fingerprint_input_signatures(node.depends_on.nodes, selects, [], state)
        and not node.config.meta.get('reads_unlisted_tables') -%}
    {%- do selects.append(
        "select '~recorded' as input_id, " ~ recorded_fingerprint_sql(state, relation) ~ " as signature"
    ) -%}
    {%- call statement('main', fetch_result=True) -%}
        select input_id, signature from (
            {{ selects | join('\nunion all\n') }}
        ) as signatures
        order by input_id
    {%- endcall -%}
    {%- set found = {'signed': signed, 'recorded': none} -%}
    {%- set parts = code_fingerprint_parts(node, 'scheme 1') -%}
    {%- for row in load_result('main')['table'].rows -%}
        {%- if row[0] == '~recorded' -%}
            {%- do found.update({'recorded': row[1]}) -%}
        {%- elif row[1] is none -%}
            {%- do found.update({'signed': false}) -%}
        {%- else -%}
            {%- do parts.append(row[0] ~ '=' ~ row[1]) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ log('Fingerprint inputs of ' ~ relation ~ ': ' ~ (parts[5:] | join('; ')), info=false) }}
    {{ return({
        'current': local_md5(parts | join('\n')) if found.signed else none,
        'recorded': found.recorded,
    }) }}
{%- endmacro %}


{#- Appends to `selects` one query per input of the nodes `unique_ids` (each returning
    input_id and signature, a text that changes whenever the input's rows do), following
    views and ephemeral models to what they read; `seen` avoids asking twice; `state` is
    history.table_fingerprints. Returns false
    when some input has no cheap signature, so the table is rebuilt:

    - a fingerprinted table: the fingerprint recorded at its build (it holds what those
      inputs and that code give), or for one built without, the signature of its rows
      recorded then; likewise a fingerprinted incremental model without a write stamp
      (int_events__classified: its fingerprint is recorded at each run that was not kept,
      none when an input of its has no signature);
    - the run window (int_run_window, meta run_bounds): nothing. Only the incremental
      models read it, and it measures their own tables: a model whose other inputs are
      unchanged since its last run holds what that run left, whatever the window says;
    - an incremental model that stamps every row it writes (run_window_models: a stamp
      later than any earlier run's, so the latest one moves whenever a row is written):
      the row count and the latest stamp;
    - a source: its signature taken at the start of this invocation (macro
      record_source_signatures, which says how each is signed);
    - a view (kept or not: fingerprinted_view): its definition as the catalog holds it,
      then what it reads; an ephemeral
      model: what it reads (its code is part of the compiled SQL);
    - a seed or a plain table: its row count and the sum of a hash of every row (a few
      milliseconds for the seeds; no per-event table is read so);
    - anything else (an incremental model neither stamped nor fingerprinted, such as
      dq_incident_history), and a node
      that reads tables its ref() and source() calls do not name (meta
      reads_unlisted_tables, such as int_dq_restated_days, which reads a history table, or
      stg_segment__tracks, which finds a collector's tables in its schema): none. -#}
{% macro fingerprint_input_signatures(unique_ids, selects, seen, state) -%}
    {%- set signed = [] -%}
    {%- set text = dbt.type_string() -%}
    {%- set stamps = {} -%}
    {%- for entry in run_window_models() if entry.stamp == 'loaded_through' -%}
        {%- do stamps.update({entry.name: entry.stamp}) -%}
    {%- endfor -%}
    {%- for unique_id in unique_ids if unique_id not in seen -%}
        {%- do seen.append(unique_id) -%}
        {%- set node = graph.nodes.get(unique_id) or graph.sources.get(unique_id) -%}
        {%- set kind = node.resource_type if node else none -%}
        {#- (A fingerprinted table that reads unlisted tables is rebuilt every run, and
            its record is then the signature of its rows, which stands for it.) -#}
        {%- if kind and node.config.meta.get('reads_unlisted_tables')
            and node.config.get('materialized') != 'fingerprinted_table' -%}
            {%- set kind = none -%}
        {%- endif -%}
        {%- set materialized = node.config.materialized if kind in ('model', 'seed') else none -%}
        {%- set name = sql_string_literal(unique_id) -%}
        {%- if kind == 'model' and node.config.meta.get('run_bounds') -%}
            {#- The run window: left out (macro fingerprint_input_signatures' doc). -#}
        {%- elif kind == 'model' and materialized == 'ephemeral' -%}
            {%- do signed.append(fingerprint_input_signatures(node.depends_on.nodes, selects, seen, state)) -%}
        {%- elif kind in ('model', 'seed', 'source') -%}
            {%- set relation = adapter.get_relation(
                database=node.database, schema=node.schema,
                identifier=(node.identifier if kind == 'source' else node.alias)
            ) -%}
            {%- if relation is none -%}
                {%- do signed.append(false) -%}
            {%- elif kind == 'model' and (materialized == 'fingerprinted_table'
                or (materialized == 'fingerprinted_incremental' and node.name not in stamps)) -%}
                {%- do selects.append(
                    'select ' ~ name ~ ' as input_id, '
                    ~ recorded_fingerprint_sql(state, relation) ~ ' as signature'
                ) -%}
            {%- elif kind == 'model' and materialized in ('view', 'fingerprinted_view') -%}
                {%- do selects.append(
                    'select ' ~ name ~ ' as input_id, (' ~ view_definition_sql(relation) ~ ') as signature'
                ) -%}
                {%- do signed.append(fingerprint_input_signatures(node.depends_on.nodes, selects, seen, state)) -%}
            {%- elif kind == 'source' -%}
                {%- do selects.append(
                    'select ' ~ name ~ ' as input_id, ' ~ recorded_source_signature_sql(unique_id) ~ ' as signature'
                ) -%}
            {%- elif kind == 'model' and materialized in ('incremental', 'fingerprinted_incremental')
                and node.name in stamps -%}
                {%- do selects.append(
                    'select ' ~ name ~ ' as input_id, cast(count(*) as ' ~ text ~ ") || '/' || cast(max("
                    ~ stamps[node.name] ~ ') as ' ~ text ~ ') as signature from ' ~ relation
                ) -%}
            {%- elif kind == 'seed' or (kind == 'model' and materialized == 'table') -%}
                {%- do selects.append(
                    'select ' ~ name ~ ' as input_id, signature from ('
                    ~ relation_content_signature_sql(relation) ~ ') as content'
                ) -%}
            {%- else -%}
                {%- do signed.append(false) -%}
            {%- endif -%}
        {%- else -%}
            {%- do signed.append(false) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(false not in signed) }}
{%- endmacro %}


{#- A query returning one text, `signature`, from the row count of `relation` and the sum
    of a hash of each of its rows (macro row_hash): of the whole row (given the table's
    alias), or of the named `columns` only, for a reader that depends on those alone. -#}
{% macro relation_content_signature_sql(relation, columns=none) -%}
    {%- set text = dbt.type_string() -%}
    select
        cast(count(*) as {{ text }}) || '/'
        || cast(coalesce(sum({{ row_hash(columns or ['fingerprinted']) }}), 0) as {{ text }}) as signature
    from {{ relation }} as fingerprinted
{%- endmacro %}

{#- A query returning the definition of view `relation` as the catalog holds it (null when
    the catalog has none). -#}
{% macro view_definition_sql(relation) -%}
    {{ return(adapter.dispatch('view_definition_sql', 'activation_warehouse')(relation)) }}
{%- endmacro %}

{% macro duckdb__view_definition_sql(relation) -%}
    select max(sql) from duckdb_views()
    where database_name = {{ sql_string_literal(relation.database) }}
        and schema_name = {{ sql_string_literal(relation.schema) }}
        and view_name = {{ sql_string_literal(relation.identifier) }}
{%- endmacro %}

{% macro postgres__view_definition_sql(relation) -%}
    select max(definition) from pg_catalog.pg_views
    where schemaname = {{ sql_string_literal(relation.schema) }}
        and viewname = {{ sql_string_literal(relation.identifier) }}
{%- endmacro %}

{% macro default__view_definition_sql(relation) -%}
    {{ exceptions.raise_compiler_error(
        "No view definition for engine '" ~ target.type ~ "': add a " ~ target.type
        ~ "__view_definition_sql macro (macros/materializations/fingerprinted_table.sql)."
    ) }}
{%- endmacro %}
