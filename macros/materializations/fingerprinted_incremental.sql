{#- An incremental model that is kept, without a query, when nothing it reads has changed
    since its last run (docs/incremental-builds.md, "Unchanged tables are kept").

    The event models run incrementally, and a run with nothing new still costs each of
    them its fixed reads: int_events__resolved re-resolves the lookback's events and
    checks every recorded user and account against the app tables (about 7 s at 10M short
    journeys, most of an hourly run with nothing new), int_events__classified re-judges
    the lookback. Yet a correct incremental model whose inputs are the same as at its last
    run holds exactly what that run left, which is what a full refresh of those inputs
    gives: running it again can write nothing. So, as `fingerprinted_table` does for the
    tables, this materialization first computes the model's fingerprint (its compiled
    SQL and configuration, and a cheap signature of every relation it reads: macro
    table_fingerprint) and keeps the table when it equals the one recorded at the model's
    last run. Otherwise the engine's own `incremental` materialization runs it, as before,
    and the new fingerprint is recorded.

    The run window (int_run_window, meta `run_bounds`) is left out of the fingerprint: it
    holds this invocation's measure of the models' own tables, which a kept table leaves
    as it was. Never kept: on --full-refresh, when the table or the record is missing, and
    when an input has no cheap signature (nothing is recorded then, so the models that
    read it are run too). On Spark the event models are plain tables
    (event_grain_materialization) and this is never used.

    dbt's is_incremental() answers for `incremental` models only; the project's own
    (macros/incremental/is_incremental.sql) answers for this one as well. -#}
{% materialization fingerprinted_incremental, default %}
    {%- set run_incremental = engine_materialization('incremental') -%}
    {%- set existing_relation = load_cached_relation(this) -%}
    {%- if not table_fingerprints_supported() -%}
        {%- do assert_table_has_the_model_columns(existing_relation) -%}
        {{ return(run_incremental()) }}
    {%- endif -%}

    {%- set target_relation = this.incorporate(type='table') -%}
    {%- set state = history_table('table_fingerprints') -%}
    {%- set fingerprint = table_fingerprint(model, target_relation, state) -%}

    {%- if table_is_kept(fingerprint, existing_relation, 'last run') -%}
        {{ return({'relations': [target_relation]}) }}
    {%- endif -%}
    {%- do assert_table_has_the_model_columns(existing_relation) -%}

    {#- Forgotten before the run, so a run that fails half-way leaves no record that could
        keep a table it did not finish. -#}
    {%- do forget_fingerprint(state, target_relation) -%}
    {%- set result = run_incremental() -%}
    {%- if fingerprint.current is not none -%}
        {%- do record_fingerprint(state, target_relation, fingerprint.current) -%}
    {%- endif -%}
    {{ return(result) }}
{% endmaterialization %}

{#- An incremental run adds rows to the table an earlier run built, so that table must have
    the columns the model writes now. One built by an earlier version of the project,
    before the model gained or lost a column, would otherwise fail deep in the model's SQL
    (a tombstone's columns are the table's, unioned with the model's rows) or at dbt's
    schema check, neither of which names the repair. The model's columns are the ones its
    YAML documents, which tests/python/test_incremental_columns.py holds equal to what every
    incremental model builds. Checked only for a table about to be run incrementally, not
    for one kept. -#}
{% macro assert_table_has_the_model_columns(existing_relation) -%}
    {%- if existing_relation is none or not existing_relation.is_table or should_full_refresh()
        or not model.columns -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set built = adapter.get_columns_in_relation(existing_relation) | map(attribute='name') | map('lower') | list -%}
    {%- set documented = model.columns.keys() | map('lower') | list -%}
    {%- set missing = documented | reject('in', built) | list -%}
    {%- set dropped = built | reject('in', documented) | list -%}
    {%- if missing or dropped -%}
        {{ exceptions.raise_compiler_error(
            existing_relation ~ ' was built by an earlier version of the project: the model '
            ~ model.name ~ (' now writes ' ~ missing | join(', ') if missing else '')
            ~ (' and' if missing and dropped else '')
            ~ (' no longer writes ' ~ dropped | join(', ') if dropped else '')
            ~ '. Rebuild it and the models that read it once: dbt build --full-refresh --select '
            ~ model.name ~ '+ (docs/incremental-builds.md, "When to --full-refresh").'
        ) }}
    {%- endif -%}
{%- endmacro %}
