{#- Passes when `expression` holds on every row of the model. The expression is plain
    SQL over the model's columns (a boolean); a row where it is false or null fails, so
    a guard over nullable columns says what null means (coalesce, `is null or ...`).
    Restrict the rows with the standard `where` config. Returns the failing rows. -#}
{% test expression_is_true(model, expression) %}

with

checked as (
    select
        *,
        ({{ expression }}) as expression_holds
    from {{ model }}
),

final as (
    select *
    from checked
    where not coalesce(expression_holds, false)
)

select * from final

{% endtest %}
