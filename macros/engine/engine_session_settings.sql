{#- Session settings an engine needs before each model's query, run as a pre-hook of every
    model (dbt_project.yml). Only PostgreSQL has one: JIT compilation off.

    Why: the planner's row estimates for these CTE-heavy queries (cross joins of days and
    reasons, trailing windows) are wildly high, so PostgreSQL decides every dq_ model is
    worth compiling with full LLVM optimisation, and compiling costs more than running.
    Measured on the demo (275k events, PostgreSQL 15): dq_quarantine_share executes in
    0.2 s but took 11.3 s, 11.1 s of it JIT ("Optimization 4,798 ms, Emission 6,154 ms"
    in EXPLAIN ANALYZE); the four share-type dq_ models took 49 s of a 37 s run's thread
    time. The queries read tables dbt just wrote, where interpreted execution is fast. -#}
{% macro engine_session_settings() -%}
    {{ return(adapter.dispatch('engine_session_settings', 'activation_warehouse')()) }}
{%- endmacro %}

{#- Nothing: an empty hook is skipped, so no statement runs on the other engines. -#}
{% macro default__engine_session_settings() -%}
{%- endmacro %}

{% macro postgres__engine_session_settings() -%}
    set jit = off
{%- endmacro %}
