{#- The value of `value` on the first row of each group in the order `order_by` (columns,
    comma-separated, that are unique within the group), null when that row's value is:
    an aggregate, one pass with the group's other figures. A window that ranks every row
    and a join back to rank 1 cost four times as much (int_sessions at 10M short-journey
    events: 10.0 s against 2.5 s on one thread, docs/performance.md). -#}
{% macro first_value_by(value, order_by) -%}
    {{ return(adapter.dispatch('first_value_by', 'activation_warehouse')(value, order_by)) }}
{%- endmacro %}

{#- PostgreSQL: an ordered array, first element (nulls kept, unlike min over the pair). -#}
{% macro default__first_value_by(value, order_by) -%}
    (array_agg({{ value }} order by {{ order_by }}))[1]
{%- endmacro %}

{#- DuckDB: arg_min_null, not arg_min, which skips the rows whose value is null. -#}
{% macro duckdb__first_value_by(value, order_by) -%}
    arg_min_null({{ value }}, ({{ order_by }}))
{%- endmacro %}

{#- Spark: min_by keeps a null value; a struct orders by its fields in turn. -#}
{% macro spark__first_value_by(value, order_by) -%}
    min_by({{ value }}, struct({{ order_by }}))
{%- endmacro %}


{#- The value of `value` on the last row of each group in the order `order_by` (columns,
    comma-separated, unique within the group; each ascending), null when that row's value
    is: first_value_by in the reverse order, with the same single pass. -#}
{% macro last_value_by(value, order_by) -%}
    {{ return(adapter.dispatch('last_value_by', 'activation_warehouse')(value, order_by)) }}
{%- endmacro %}

{% macro default__last_value_by(value, order_by) -%}
    {%- set descending = [] -%}
    {%- for column in order_by.split(',') -%}
        {%- do descending.append(column.strip() ~ ' desc') -%}
    {%- endfor -%}
    (array_agg({{ value }} order by {{ descending | join(', ') }}))[1]
{%- endmacro %}

{% macro duckdb__last_value_by(value, order_by) -%}
    arg_max_null({{ value }}, ({{ order_by }}))
{%- endmacro %}

{% macro spark__last_value_by(value, order_by) -%}
    max_by({{ value }}, struct({{ order_by }}))
{%- endmacro %}
