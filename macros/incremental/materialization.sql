{#- How the event-grain models are kept: `incremental` (delete+insert on their unique key)
    where the engine supports it. Spark without Delta or Iceberg (whose jars come from
    Maven) has neither delete+insert nor merge, and insert_overwrite replaces whole
    partitions, which a lookback re-reading part of a day would empty: there they are
    rebuilt in full on every run, which is always exact. -#}
{% macro event_grain_materialization() -%}
    {{ return(adapter.dispatch('event_grain_materialization', 'activation_warehouse')()) }}
{%- endmacro %}

{% macro default__event_grain_materialization() -%}
    {{ return('incremental') }}
{%- endmacro %}

{% macro spark__event_grain_materialization() -%}
    {{ return('table') }}
{%- endmacro %}
