{#- The segments every funnel is cut by, one rule for every mart that cuts users, as
    (segment_type, source column, segment value) in order: overall (one segment, read from
    no column), scope (in_scope / out_of_scope), company_size_band, signup_channel,
    data_source_type and, when `with_cohort_week`, signup_cohort_week (as 'YYYY-MM-DD'
    text). The source columns are fct_user_activation's. A mart that cuts by week on
    another axis leaves the week out. -#}
{% macro segment_definitions(with_cohort_week=true) -%}
    {%- set definitions = [
        ('overall', none, "'overall'"),
        ('scope', 'is_in_scope', "case when is_in_scope then 'in_scope' else 'out_of_scope' end"),
        ('company_size_band', 'company_size_band', 'company_size_band'),
        ('signup_channel', 'signup_channel', 'signup_channel'),
        ('data_source_type', 'data_source_type', 'data_source_type'),
    ] -%}
    {%- if with_cohort_week -%}
        {%- do definitions.append((
            'signup_cohort_week',
            'signup_cohort_week',
            'cast(signup_cohort_week as ' ~ dbt.type_string() ~ ')'
        )) -%}
    {%- endif -%}
    {{ return(definitions) }}
{%- endmacro %}

{#- The columns a user's segments are read from: a mart that counts users per combination
    of them first (thousands of rows, not one per user and segment type) unfolds the
    combinations with segment_rows and adds up. -#}
{% macro segment_columns(with_cohort_week=true) -%}
    {%- set columns = [] -%}
    {%- for segment_type, source_column, segment_value in segment_definitions(with_cohort_week) -%}
        {%- if source_column is not none -%}
            {%- do columns.append(source_column) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(columns) }}
{%- endmacro %}

{#- One row per row of `relation` (a CTE holding the segment columns) and segment type:
    segment_type and segment_value beside the `columns` carried from `relation`. -#}
{% macro segment_rows(relation, columns, with_cohort_week=true) -%}
    {%- for segment_type, source_column, segment_value in segment_definitions(with_cohort_week) %}
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

{#- The total of counts taken per combination, as the bigint a count is: sum() widens it
    (hugeint on DuckDB, numeric on PostgreSQL), which a mart's contract would refuse. -#}
{% macro sum_of_counts(column) -%}
    cast(sum({{ column }}) as {{ dbt.type_bigint() }})
{%- endmacro %}
