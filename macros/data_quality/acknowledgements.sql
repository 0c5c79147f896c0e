{#- When an acknowledgement (seed dq_acknowledgements, read through
    int_dq_acknowledgements) holds and what it covers, one home for the rule the
    acknowledgement and incident marts both apply (see docs/data-quality.md,
    "Acknowledging an incident"). Written once, so that the incident list and the list of
    acknowledgements to review can never disagree about which row covers which breach. -#}

{#- True while an acknowledgement holds: its acknowledged_until is on or after the data
    clock's day (int_dq_judgement_scope.data_clock_date), never the wall clock's, so a
    rebuild of the same data gives the same answer. -#}
{% macro dq_acknowledgement_is_active(acknowledged_until, data_clock_date) -%}
    ({{ acknowledged_until }} >= {{ data_clock_date }})
{%- endmacro %}

{#- True when the acknowledgement `acknowledgement` (a relation alias with check_name,
    table_name, breach_key, first_day, last_day) covers the breach `breach` (an alias with
    check_name, table_name, breach_key and the day column `day`): the same check and
    table, the same key or an empty one (every key), the day within first_day..last_day
    inclusive. Whether it is active is dq_acknowledgement_is_active's question. -#}
{% macro dq_acknowledgement_covers(acknowledgement, breach, day='check_date') -%}
    (
        {{ acknowledgement }}.check_name = {{ breach }}.check_name
        and {{ acknowledgement }}.table_name = {{ breach }}.table_name
        and ({{ acknowledgement }}.breach_key is null or {{ acknowledgement }}.breach_key = {{ breach }}.breach_key)
        and {{ breach }}.{{ day }} >= {{ acknowledgement }}.first_day
        and {{ breach }}.{{ day }} <= {{ acknowledgement }}.last_day
    )
{%- endmacro %}
