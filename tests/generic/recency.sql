{#- Passes when the latest `field` of the model is no older than `interval` `datepart`s
    before a reference time: the latest `reference_field` of `reference_model` when
    given (deterministic: "this table keeps up with that one"), else the wall clock
    (`current_timestamp`, what `dbt source freshness` does). An empty model fails too.
    Returns one row (latest, reference, how far behind) when stale. -#}
{% test recency(model, field, datepart, interval, reference_model=none, reference_field=none) %}

{%- if (reference_model is none) != (reference_field is none) -%}
    {{ exceptions.raise_compiler_error(
        "recency on " ~ model ~ ": give both reference_model and reference_field, or neither."
    ) }}
{%- endif %}

with

latest as (
    select max({{ field }}) as latest_at
    from {{ model }}
),

reference_time as (
    {%- if reference_model is none %}
    select {{ dbt.current_timestamp() }} as reference_at
    {%- else %}
    select max({{ reference_field }}) as reference_at
    from {{ reference_model }}
    {%- endif %}
),

final as (
    select
        latest.latest_at,
        reference_time.reference_at,
        {{ dbt.dateadd(datepart, -1 * interval, 'reference_time.reference_at') }} as oldest_allowed_at
    from latest
    cross join reference_time
    where
        latest.latest_at is null
        or latest.latest_at < {{ dbt.dateadd(datepart, -1 * interval, 'reference_time.reference_at') }}
)

select * from final

{% endtest %}
