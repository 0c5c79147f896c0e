{#- Runs at the start of every dbt invocation (on-run-start). Each accessor raises on a bad
    value, so a wrong var stops the build with one message naming it, before any model. -#}
{% macro validate_vars() -%}
    {%- do identifier_var('raw_schema') -%}
    {%- do date_var('min_event_date') -%}
    {%- do int_var('max_clock_skew_days', min=0, max=3650) -%}
    {%- do int_var('session_timeout_minutes', min=1, max=1440) -%}
    {%- do int_var('max_funnel_steps', min=2, max=20) -%}
    {%- do int_var('activation_window_days', min=1, max=3650) -%}
    {%- do int_var('post_connection_minutes', min=1, max=10080) -%}
    {%- do int_var('return_window_days', min=1, max=3650) -%}
    {%- do int_var('stall_days', min=1, max=3650) -%}
    {%- do optional_timestamp_var('as_of') -%}
    {%- set scope_min = int_var('in_scope_min_employees', min=1) -%}
    {%- set scope_max = int_var('in_scope_max_employees', min=1) -%}
    {%- if scope_min > scope_max -%}
        {{ exceptions.raise_compiler_error(
            "Invalid vars 'in_scope_min_employees' (" ~ scope_min ~ ") and 'in_scope_max_employees' ("
            ~ scope_max ~ "): the minimum must not exceed the maximum."
        ) }}
    {%- endif -%}
    {%- set invest = number_var('invest_threshold', min=0, max=1) -%}
    {%- set defer = number_var('defer_threshold', min=0, max=1) -%}
    {%- if defer > invest -%}
        {{ exceptions.raise_compiler_error(
            "Invalid vars 'defer_threshold' (" ~ defer ~ ") and 'invest_threshold' (" ~ invest
            ~ "): the defer threshold must not exceed the invest threshold."
        ) }}
    {%- endif -%}
    {%- do int_var('min_decision_users', min=1) -%}
    {%- do int_var('min_driver_bucket_users', min=1) -%}
    {%- do number_var('activated_to_paid_rate', min=0, max=1) -%}
    {%- do text_var('control_variant') -%}
    select 1 as vars_are_valid
{%- endmacro %}
