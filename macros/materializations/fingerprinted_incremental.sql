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
    {%- if not table_fingerprints_supported() -%}
        {{ return(run_incremental()) }}
    {%- endif -%}

    {%- set target_relation = this.incorporate(type='table') -%}
    {%- set existing_relation = load_cached_relation(this) -%}
    {%- set state = history_table('table_fingerprints') -%}
    {%- set fingerprint = table_fingerprint(model, target_relation, state) -%}

    {%- if table_is_kept(fingerprint, existing_relation, 'last run') -%}
        {{ return({'relations': [target_relation]}) }}
    {%- endif -%}

    {#- Forgotten before the run, so a run that fails half-way leaves no record that could
        keep a table it did not finish. -#}
    {%- do forget_fingerprint(state, target_relation) -%}
    {%- set result = run_incremental() -%}
    {%- if fingerprint.current is not none -%}
        {%- do record_fingerprint(state, target_relation, fingerprint.current) -%}
    {%- endif -%}
    {{ return(result) }}
{% endmaterialization %}
