{#- The latest non-null value of `expression` from the start of the partition up to the
    current row, in `order_by` order. Sessions use it to carry each session's first event
    id forward in the same window (and so the same sort) that numbers the sessions: a
    second window partitioned by session cost a second sort of every user action. -#}
{% macro last_value_ignoring_nulls(expression, partition_by, order_by) -%}
    {{ return(adapter.dispatch('last_value_ignoring_nulls', 'activation_warehouse')(expression, partition_by, order_by)) }}
{%- endmacro %}

{#- SQL:2011's null treatment (DuckDB, Snowflake, BigQuery, Oracle, Trino). -#}
{% macro default__last_value_ignoring_nulls(expression, partition_by, order_by) -%}
    last_value({{ expression }} ignore nulls) over (
        partition by {{ partition_by }}
        order by {{ order_by }}
        rows between unbounded preceding and current row
    )
{%- endmacro %}

{#- Spark takes the null treatment as an argument. -#}
{% macro spark__last_value_ignoring_nulls(expression, partition_by, order_by) -%}
    last_value({{ expression }}, true) over (
        partition by {{ partition_by }}
        order by {{ order_by }}
        rows between unbounded preceding and current row
    )
{%- endmacro %}

{#- PostgreSQL has no null treatment: the last element of the running array of non-null
    values. -#}
{% macro postgres__last_value_ignoring_nulls(expression, partition_by, order_by) -%}
    (array_agg({{ expression }}) filter (where {{ expression }} is not null) over (
        partition by {{ partition_by }}
        order by {{ order_by }}
        rows between unbounded preceding and current row
    ))[count({{ expression }}) over (
        partition by {{ partition_by }}
        order by {{ order_by }}
        rows between unbounded preceding and current row
    )]
{%- endmacro %}
