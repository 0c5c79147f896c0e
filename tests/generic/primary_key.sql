{#- Passes when `column_name` identifies the rows: never null and never repeated. It is
    `unique` and `not_null` in one scan of the model and one query (on Spark each data
    test's query has a fixed price of its own). Returns one row per repeated key with its
    row count, and one for the null key when a row has none. -#}
{% test primary_key(model, column_name) %}

with

keys as (
    select
        {{ column_name }} as key_value,
        count(*) as row_count
    from {{ model }}
    group by {{ column_name }}
)

select *
from keys
where
    key_value is null
    or row_count > 1

{% endtest %}
