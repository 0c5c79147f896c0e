{#- Passes when no two rows share the same values in all of `columns`: the grain test
    for models whose key spans several columns. Rows where every column is null count as
    one combination too. -#}
{% test unique_combination_of_columns(model, columns) %}

with

combinations as (
    select
        {{ columns | join(', ') }},
        count(*) as row_count
    from {{ model }}
    group by {{ columns | join(', ') }}
)

select *
from combinations
where row_count > 1

{% endtest %}
