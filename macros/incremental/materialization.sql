{#- How the event-grain models are kept: `fingerprinted_incremental` (dbt's incremental,
    delete+insert on their unique key, skipped when the model's inputs are unchanged since
    its last run: macros/materializations/fingerprinted_incremental.sql) where the engine
    supports it; `incremental` alone when `fingerprinted` is false (dq_incident_history,
    which records every build's judgement, so is run even when nothing changed). Spark
    without Delta or Iceberg (whose jars come from Maven) has neither delete+insert nor
    merge, and insert_overwrite replaces whole partitions, which a lookback re-reading part
    of a day would empty: there they are rebuilt in full on every run, which is always
    exact. -#}
{% macro event_grain_materialization(fingerprinted=true) -%}
    {{ return(adapter.dispatch('event_grain_materialization', 'activation_warehouse')(fingerprinted)) }}
{%- endmacro %}

{% macro default__event_grain_materialization(fingerprinted) -%}
    {{ return('fingerprinted_incremental' if fingerprinted else 'incremental') }}
{%- endmacro %}

{% macro spark__event_grain_materialization(fingerprinted) -%}
    {{ return('table') }}
{%- endmacro %}
