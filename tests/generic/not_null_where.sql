{#- Passes when `column_name` is not null on every row where `condition` holds: a value
    that must exist only in some states (a connection time for a connected user, a
    baseline for a judged day). A row where the condition itself is null is not judged.
    Returns the rows that break it. -#}
{% test not_null_where(model, column_name, condition) %}

with

final as (
    select *
    from {{ model }}
    where
        ({{ condition }})
        and {{ column_name }} is null
)

select * from final

{% endtest %}
