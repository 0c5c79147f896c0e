{#- Runs at the start of every dbt invocation (on-run-start). Each accessor raises on a bad
    value, so a wrong var stops the build with one message naming it, before any model. -#}
{% macro validate_vars() -%}
    {%- do identifier_var('raw_schema') -%}
    {%- do date_var('min_event_date') -%}
    {%- do int_var('max_clock_skew_days', min=0, max=3650) -%}
    select 1 as vars_are_valid
{%- endmacro %}
