{#- Lists the acknowledgements of the data-quality suite that need a look (mart
    dq_acknowledgements): those whose `state` is not `active` (expired, or covering no
    breach). Each one (up to `max_logged`) is also written to the dbt log as one line:

        data quality acknowledgement expired: duplicate_share | raw.events | (every key) | 2026-05-01..2026-05-03

    Meant for severity warn: a stale acknowledgement is reported, never a reason to stop a
    build. The standard test configs apply (`where` hands the test a subquery as text). -#}
{% test acknowledgements_to_review(model, max_logged=20) %}

{%- set review_sql -%}
    select
        check_name,
        table_name,
        breach_key,
        first_day,
        last_day,
        state
    from {{ model }}
    where state != 'active'
{%- endset -%}

{%- if execute and (model is string or load_relation(model) is not none) -%}
    {%- set listed = run_query(review_sql ~ ' order by check_name, table_name, first_day limit ' ~ (max_logged | int)) -%}
    {%- for row in listed.rows -%}
        {%- do log(
            'data quality acknowledgement ' ~ row['state'] ~ ': ' ~ row['check_name'] ~ ' | ' ~ row['table_name']
            ~ ' | ' ~ (row['breach_key'] if row['breach_key'] is not none else '(every key)')
            ~ ' | ' ~ row['first_day'] ~ '..' ~ row['last_day'],
            info=true
        ) -%}
    {%- endfor -%}
{%- endif %}

{{ review_sql }}

{% endtest %}
