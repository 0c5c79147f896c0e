{#- The activation window, one rule for every model: an instant counts when it is at or
    after signup and at most `activation_window_days` after it, bounds included, by exact
    elapsed time. -#}
{% macro is_within_window(event_at, signed_up_at) -%}
    ({{ elapsed_seconds(signed_up_at, event_at) }}
        between 0 and {{ setting('activation_window_days') }} * 86400)
{%- endmacro %}

{#- A user is mature once their whole window lies at or before the as-of time. -#}
{% macro is_window_closed(signed_up_at, as_of) -%}
    ({{ elapsed_seconds(signed_up_at, as_of) }}
        >= {{ setting('activation_window_days') }} * 86400)
{%- endmacro %}

{#- The instant a user's window closes. -#}
{% macro window_end(signed_up_at) -%}
    {{ dbt.dateadd('day', setting('activation_window_days'), signed_up_at) }}
{%- endmacro %}
