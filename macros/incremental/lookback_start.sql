{#- Where an incremental run starts re-reading raw rows: the latest received_at already in
    `relation`, less var incremental_lookback_hours (README, "Incremental builds"), so a
    load whose received_at lags the previous one by less than that is still picked up;
    1900-01-01 when the relation holds no row. A one-row select of `received_from`, for the
    event-grain models that take new raw rows by received_at. -#}
{% macro lookback_start(relation) -%}
    select
        coalesce(
            {{ dbt.dateadd(
                'hour', -1 * setting('incremental_lookback_hours'), 'max(received_at)'
            ) }},
            cast('1900-01-01' as {{ dbt.type_timestamp() }})
        ) as received_from
    from {{ relation }}
{%- endmacro %}
