{#- The raw received days found restated (rows deleted, replaced or altered after a build
    had read them), as a select of one date column `received_date` and the data clock at
    detection `detected_through`. The data-quality marts judge these days like new ones.
    Interface placeholder: the restatement detection (on-run-start) fills it in; until
    then no day is restated. -#}
{% macro dq_restated_days() -%}
    select
        cast(null as date) as received_date,
        cast(null as {{ dbt.type_timestamp() }}) as detected_through
    where 1 = 0
{%- endmacro %}
