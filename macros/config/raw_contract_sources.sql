{#- The dbt sources that declare the raw data contract, one per source system, both read
    from the raw schema (`raw_schema`): the event tracker (models/staging/tracker) and the
    application database (models/staging/app). The contract hook, the optional-table rule
    and the loader's contract (activation_warehouse/contract.py, kept equal by a test) all
    read the same tables through this list. -#}
{% macro raw_contract_sources() -%}
    {{ return(['tracker', 'app']) }}
{%- endmacro %}
