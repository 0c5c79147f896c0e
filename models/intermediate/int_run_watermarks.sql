-- What each incremental model held before this invocation wrote to it, read from its
-- table (macro built_model_relation, not ref: the models run after int_run_window, which
-- reads them): one row per model of macro run_window_models. A model rebuilt in full by
-- this invocation (--full-refresh, no table yet, Spark) holds nothing that counts, so its
-- figures are null and its table is not read. int_run_window turns them into bounds.

{{ config(materialized='ephemeral') }}

{%- set no_time = 'cast(null as ' ~ dbt.type_timestamp() ~ ')' %}

{%- for measured in run_window_models() %}
    {%- set rebuilt = is_rebuilt_in_full(measured.name) %}
    {%- if not loop.first %}

    union all  -- noqa: LT02

    {% endif %}
    select
        '{{ measured.name }}' as model_name,
        {{ 'true' if rebuilt else 'false' }} as is_full_refresh,
        {{ 'max(received_at)' if measured.received_at and not rebuilt else no_time }} as latest_received_at,
        {{ 'max(' ~ measured.stamp ~ ')' if measured.stamp and not rebuilt else no_time }} as latest_stamp
    {%- if not rebuilt %}
    from {{ built_model_relation(measured.name) }}
    {%- endif %}

{%- endfor %}
