-- The one as-of time every metric is measured at: the var as_of when set (a date means
-- 00:00 UTC), else the latest clean occurred_at of any event, internal and test traffic
-- included. Never the wall clock, so a rebuild of the same data gives the same numbers.

{%- set as_of_var = setting('as_of') %}

with

clean_events as (
    select occurred_at from {{ ref('int_events__resolved') }}
),

final as (
    {%- if as_of_var is none %}
        select
            max(occurred_at) as as_of,
            false as is_as_of_from_var
        from clean_events
    {%- else %}
        -- One row, whatever the events hold: the var decides.
        select
            cast('{{ as_of_var }}' as {{ dbt.type_timestamp() }}) as as_of,
            true as is_as_of_from_var
    {%- endif %}
)

select * from final
