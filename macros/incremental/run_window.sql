{#- The run window (docs/incremental-builds.md, "The run window"): what each incremental
    model already holds is measured once per invocation, by the table model int_run_window,
    and every incremental model reads its own bounds from there. -#}

{#- The incremental models int_run_window measures, with what each measures its progress
    by: `received_at`, the raw rows already judged (the models that take raw rows by
    received_at), and `stamp`, the column that says which upstream rows it has consumed
    (`loaded_through`; fct_events, whose contract has no room for it, its latest
    received_at, which no later stamp can precede). -#}
{% macro run_window_models() -%}
    {{ return([
        {'name': 'int_events__classified', 'received_at': true, 'stamp': none},
        {'name': 'event_quarantine', 'received_at': true, 'stamp': none},
        {'name': 'event_duplicates', 'received_at': true, 'stamp': none},
        {'name': 'int_events__resolved', 'received_at': true, 'stamp': 'loaded_through'},
        {'name': 'int_events__sessionized', 'received_at': false, 'stamp': 'loaded_through'},
        {'name': 'int_sessions', 'received_at': false, 'stamp': 'loaded_through'},
        {'name': 'fct_events', 'received_at': true, 'stamp': 'received_at'},
    ]) }}
{%- endmacro %}

{#- The relation of a model of this project (its database, schema and alias from the
    graph), whether or not it is built yet. Not ref: the window and the identity
    restatement read a model's previous build before it runs, which a ref would turn into
    a cycle. -#}
{% macro model_relation(model_name) -%}
    {%- if not execute -%}
        {{ return(api.Relation.create(identifier=model_name)) }}
    {%- endif -%}
    {%- set nodes = graph.nodes.values()
        | selectattr('resource_type', 'equalto', 'model')
        | selectattr('name', 'equalto', model_name) | list -%}
    {%- if nodes | length != 1 -%}
        {{ exceptions.raise_compiler_error('model_relation: no single model named ' ~ model_name) }}
    {%- endif -%}
    {{ return(api.Relation.create(
        database=nodes[0].database, schema=nodes[0].schema, identifier=nodes[0].alias
    )) }}
{%- endmacro %}

{#- The table `model_name` was built into, or none when there is none yet. -#}
{% macro built_model_relation(model_name) -%}
    {%- if not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(load_relation(model_relation(model_name))) }}
{%- endmacro %}

{#- Whether `model_name` is rebuilt in full by this invocation: --full-refresh, no table
    yet, or an engine where the event-grain models are tables (is_incremental() of that
    model, answered before it runs). -#}
{% macro is_rebuilt_in_full(model_name) -%}
    {%- set relation = built_model_relation(model_name) -%}
    {{ return(
        flags.FULL_REFRESH
        or event_grain_materialization() == 'table'
        or relation is none
        or not relation.is_table
    ) }}
{%- endmacro %}

{#- A dependency dbt sees when it parses the project but that is read only in an
    incremental run (a ref inside `if is_incremental()` is not seen at parse time):
    refers to nothing at run time, so a rebuild, or a unit test of the full-refresh logic,
    needs no such input. Writes nothing. -#}
{% macro parse_time_ref(model_name) -%}
    {%- if not execute -%}
        {%- do ref(model_name) -%}
    {%- endif -%}
{%- endmacro %}

{#- Called by every incremental model so that dbt builds int_run_window before it. -#}
{% macro run_window_dependency() -%}
    {{- parse_time_ref('int_run_window') -}}
{%- endmacro %}

{#- One bound of the calling model's run window, as a scalar subquery: `received_from`,
    `latest_received_at`, `loaded_through` or `is_full_refresh` (int_run_window). A window
    built by another invocation would be stale (an earlier run's bounds), so a run or build
    that selects the model without int_run_window stops with a clear message when the model
    runs incrementally (a rebuilt model, or int_events__restated compiled on its own while
    int_events__resolved is rebuilt, reads no bound). -#}
{% macro run_window(column, model_name=none) -%}
    {%- set model_name = model_name or model.name -%}
    {%- set window = ref('int_run_window') -%}
    {%- if execute and flags.WHICH in ('run', 'build') and not is_rebuilt_in_full(model_name) -%}
        {%- if load_relation(window) is none -%}
            {{ exceptions.raise_compiler_error(
                model_name ~ " runs incrementally but int_run_window does not exist; select it"
                ~ " too, e.g. dbt build --select +" ~ model_name
            ) }}
        {%- endif -%}
        {%- set current = run_query(
            "select count(*) from " ~ window ~ " where model_name = '" ~ model_name
            ~ "' and invocation_id = '" ~ invocation_id ~ "'"
        ) -%}
        {%- if current.columns[0].values()[0] | int != 1 -%}
            {{ exceptions.raise_compiler_error(
                model_name ~ " runs incrementally but int_run_window was not built in this"
                ~ " invocation, so its bounds would be an earlier run's; select it too,"
                ~ " e.g. dbt build --select +" ~ model_name
            ) }}
        {%- endif -%}
    {%- endif -%}
    (select {{ column }} from {{ window }} where model_name = '{{ model_name }}')
{%- endmacro %}

{#- The rows of an upstream event model that the calling model has not consumed yet: those
    stamped (`loaded_through`) after the latest stamp in its run window. The one condition
    by which int_events__sessionized, int_sessions and fct_events take upstream rows, and
    by which has_rows_after_run_window asks whether there are any. -#}
{% macro stamped_after_run_window() -%}
    loaded_through > {{ run_window('loaded_through') }}
{%- endmacro %}

{#- Whether `upstream` (a ref) holds a row stamped after the calling model's run window
    (stamped_after_run_window), asked with one query that stops at the first such row,
    before the model's SQL is written. A model that takes upstream rows only by that
    condition writes nothing when there is none, and can say so (empty_write) instead of
    letting the engine find it out: DuckDB reads and probes every row of a join even when
    the other side is empty (docs/incremental-builds.md, "Nothing upstream, nothing
    read"). True when there is no execution to ask in (parsing), so dbt then sees the
    model's full SQL. -#}
{% macro has_rows_after_run_window(upstream) -%}
    {%- if not execute -%}
        {{ return(true) }}
    {%- endif -%}
    {%- set probe -%}
        select count(*) as later_rows
        from (
            select 1 as found
            from {{ upstream }}
            where {{ stamped_after_run_window() }}
            limit 1
        ) as later
    {%- endset -%}
    {{ return(run_query(probe).columns[0].values()[0] | int > 0) }}
{%- endmacro %}

{#- What an incremental run writes when it has nothing to write: no row, with the columns
    and types of the model's own table (so delete+insert and on_schema_change see its
    shape). -#}
{% macro empty_write() -%}
    select * from {{ this }}
    where false
{%- endmacro %}
