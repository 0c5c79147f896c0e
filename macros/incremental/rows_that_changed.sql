{#- The rows of the CTE `rows` that an incremental run of the calling model writes: those
    whose key is new, or whose row differs from the version its table holds in any column
    but the `ignored` bookkeeping ones (the run's stamp). A run re-reads more than changed
    (the lookback, every person touched), and a row written again carries a new stamp that
    every model downstream takes as new; writing only what changed (delete+insert keeps the
    rest) lets an hourly run with nothing new flow nothing downstream
    (docs/incremental-builds.md, "Only what changed flows on"). The columns are the
    table's own, so a column added later is compared too. -#}
{% macro rows_that_changed(rows, unique_key, ignored=('loaded_through',)) -%}
    {%- set compared = [] -%}
    {%- if execute -%}
        {%- for column in adapter.get_columns_in_relation(this) -%}
            {%- if (column.name | lower) not in ignored and (column.name | lower) != unique_key -%}
                {%- do compared.append(column.name | lower) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    select {{ rows }}.*
    from {{ rows }}
    left join {{ this }} as previous
        on {{ rows }}.{{ unique_key }} = previous.{{ unique_key }}
    where
        previous.{{ unique_key }} is null
        {%- for column in compared %}
        or {{ rows }}.{{ column }} is distinct from previous.{{ column }}
        {%- endfor %}
{%- endmacro %}
