{#- The segments every funnel is cut by, one rule for every mart that cuts users: one row
    per user and segment type, with segment_type and segment_value beside the `columns`
    carried from `relation` (a CTE of fct_user_activation rows). The types, in order:
    overall (one segment), scope (in_scope / out_of_scope), company_size_band,
    signup_channel, data_source_type and, when `with_cohort_week`, signup_cohort_week (as
    'YYYY-MM-DD' text). A mart that cuts by week on another axis leaves the week out. -#}
{% macro segment_rows(relation, columns, with_cohort_week=true) -%}
    {%- set segment_values = [
        ('overall', "'overall'"),
        ('scope', "case when is_in_scope then 'in_scope' else 'out_of_scope' end"),
        ('company_size_band', 'company_size_band'),
        ('signup_channel', 'signup_channel'),
        ('data_source_type', 'data_source_type'),
    ] -%}
    {%- if with_cohort_week -%}
        {%- do segment_values.append(
            ('signup_cohort_week', 'cast(signup_cohort_week as ' ~ dbt.type_string() ~ ')')
        ) -%}
    {%- endif -%}
    {%- for segment_type, segment_value in segment_values %}
    select
        {% for column in columns -%}
        {{ column }},
        {% endfor -%}
        '{{ segment_type }}' as segment_type,
        {{ segment_value }} as segment_value
    from {{ relation }}
    {%- if not loop.last %}

    union all
    {% endif -%}
    {%- endfor %}
{%- endmacro %}
