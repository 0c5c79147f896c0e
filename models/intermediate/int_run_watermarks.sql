-- What each incremental model held before this invocation wrote to it, read from its
-- table (macro built_model_relation, not ref: the models run after int_run_window, which
-- reads them): one row per model of macro run_window_models. A model rebuilt in full by
-- this invocation (--full-refresh, no table yet, Spark) holds nothing that counts, so its
-- figures are null and its table is not read. int_run_window turns them into bounds.

{{ config(materialized='ephemeral') }}

{%- for measured in run_window_models() %}
    {%- set rebuilt = is_rebuilt_in_full(measured.name) %}
select
    '{{ measured.name }}' as model_name,
    {{ 'true' if rebuilt else 'false' }} as is_full_refresh,
    {% if measured.received_at and not rebuilt -%}
        max(received_at)
    {%- else -%}
        cast(null as {{ dbt.type_timestamp() }})
    {%- endif %} as latest_received_at,
    {% if measured.stamp and not rebuilt -%}
        max({{ measured.stamp }})
    {%- else -%}
        cast(null as {{ dbt.type_timestamp() }})
    {%- endif %} as latest_stamp
    {%- if not rebuilt %}
from {{ built_model_relation(measured.name) }}
    {%- endif %}
    {%- if not loop.last %}

union all

    {% endif %}
{%- endfor %}
