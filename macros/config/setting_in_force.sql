{#- A query of one row and one column, named for the setting: the value a build recorded
    in marts.activation_settings, cast to `sql_type`. For analyses and other readers of a
    built warehouse, so an answer uses the value the numbers were built with (a model
    reads `setting(name)` instead). -#}
{% macro setting_in_force(name, sql_type) -%}
    select cast(value_in_force as {{ sql_type }}) as {{ name }}
    from {{ ref('activation_settings') }}
    where setting_name = '{{ name }}'
{%- endmacro %}
