{#- Passes when the model has as many rows as `compare_model`: two relations that must
    describe the same population (a list and the flag it is cut from; a mart and the
    rows it must keep). `compare_where` filters the compared relation (the standard
    `where` config filters the model). Returns one row with both counts when they differ. -#}
{% test equal_rowcount(model, compare_model, compare_where=none) %}

with

model_rows as (
    select count(*) as row_count
    from {{ model }}
),

compare_rows as (
    select count(*) as row_count
    from {{ compare_model }}
    {%- if compare_where is not none %}
    where {{ compare_where }}
    {%- endif %}
),

final as (
    select
        model_rows.row_count as model_row_count,
        compare_rows.row_count as compare_row_count,
        model_rows.row_count - compare_rows.row_count as difference
    from model_rows
    cross join compare_rows
    where model_rows.row_count != compare_rows.row_count
)

select * from final

{% endtest %}
