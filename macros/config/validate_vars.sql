{#- Runs at the start of every dbt invocation (on-run-start). Every setting of the registry
    (macros/config/settings.sql) is read through its checks, then every pair's order rule
    (`at_most`), so a wrong var stops the build with one message naming it, before any model. -#}

{#- Raises unless the var `low_name` is at most the var `high_name` (both already read). -#}
{% macro _require_var_order(low_name, low, high_name, high) -%}
    {%- if low > high -%}
        {{ exceptions.raise_compiler_error(
            "Invalid vars '" ~ low_name ~ "' (" ~ low ~ ") and '" ~ high_name ~ "' (" ~ high
            ~ "): '" ~ low_name ~ "' must not exceed '" ~ high_name ~ "'."
        ) }}
    {%- endif -%}
{%- endmacro %}

{% macro validate_vars() -%}
    {%- set registry = settings_registry() -%}
    {%- set values = {} -%}
    {%- for spec in registry -%}
        {%- do values.update({spec.name: _setting_value(spec, var(spec.name, spec.default))}) -%}
    {%- endfor -%}
    {%- for spec in registry if spec.get('at_most') -%}
        {%- do _require_var_order(spec.name, values[spec.name], spec.at_most, values[spec.at_most]) -%}
    {%- endfor -%}
    select 1 as vars_are_valid
{%- endmacro %}
