{#- Layers land in schemas named for the layer (staging, intermediate, marts, seeds), not
    dbt's default "<target schema>_<layer>": BI users and analysts meet `marts.fct_events`,
    and each developer already has a warehouse file (or target schema) of their own. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
