{#- The rows of int_events__classified of one fate (`quarantined`, `duplicate`) that a run
    of the calling mart rewrites: all of them when it is rebuilt, else those received from
    its window's received_from on (int_run_window), the stretch int_events__classified may
    have judged again since the mart last ran. A row's quarantine depends on that row alone
    and a duplicate stays one (a delivery judged later comes after the kept one), so rows
    received earlier never change. The one prelude of event_quarantine and event_duplicates. -#}
{% macro raw_rows_of_fate(event_outcome) -%}
    {{- run_window_dependency() }}
    select * from {{ ref('int_events__classified') }}
    where
        event_outcome = '{{ event_outcome }}'
        {%- if is_incremental() %}
        and received_at >= {{ run_window('received_from') }}
        {%- endif %}
{%- endmacro %}
