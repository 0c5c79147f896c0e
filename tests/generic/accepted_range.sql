{#- Passes when every non-null value of `column_name` lies within [min_value, max_value]
    (either bound may be omitted; `inclusive=false` excludes the bounds). Null values
    are not judged: pair it with not_null or not_null_where when they matter. Bounds are
    SQL expressions (numbers, or a cast for times). Returns the out-of-range rows. -#}
{% test accepted_range(model, column_name, min_value=none, max_value=none, inclusive=true) %}

{%- if min_value is none and max_value is none -%}
    {{ exceptions.raise_compiler_error(
        "accepted_range on " ~ model ~ "." ~ column_name ~ " needs min_value or max_value."
    ) }}
{%- endif -%}
{%- set lower_op = '>=' if inclusive else '>' -%}
{%- set upper_op = '<=' if inclusive else '<' %}

with

judged as (
    select
        *,
        (
            1 = 1
            {%- if min_value is not none %}
            and {{ column_name }} {{ lower_op }} {{ min_value }}
            {%- endif %}
            {%- if max_value is not none %}
            and {{ column_name }} {{ upper_op }} {{ max_value }}
            {%- endif %}
        ) as is_in_range
    from {{ model }}
    where {{ column_name }} is not null
),

final as (
    select *
    from judged
    where not is_in_range
)

select * from final

{% endtest %}
