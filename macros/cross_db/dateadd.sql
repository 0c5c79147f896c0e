{#- dbt.dateadd on Spark: dbt-spark's version goes through unix seconds, which drops every
    fraction of a second (and adds nothing for 'microsecond', whose multiplier it casts to
    int 0). Spark's timestampadd keeps microseconds, so Spark's times match DuckDB's. -#}
{% macro spark__dateadd(datepart, interval, from_date_or_timestamp) -%}
    timestampadd({{ datepart | upper }}, cast({{ interval }} as bigint), {{ from_date_or_timestamp }})
{%- endmacro %}
