{#- Runs at the start of every dbt invocation (on-run-start). Each accessor raises on a bad
    value, so a wrong var stops the build with one message naming it, before any model. -#}

{#- Raises unless the var `low_name` is at most the var `high_name` (both already read). -#}
{% macro _require_var_order(low_name, low, high_name, high) -%}
    {%- if low > high -%}
        {{ exceptions.raise_compiler_error(
            "Invalid vars '" ~ low_name ~ "' (" ~ low ~ ") and '" ~ high_name ~ "' (" ~ high
            ~ "): '" ~ low_name ~ "' must not exceed '" ~ high_name ~ "'."
        ) }}
    {%- endif -%}
{%- endmacro %}

{#- Reads a pair of number vars and checks their order: `low_name` <= `high_name`. -#}
{% macro _number_var_pair(low_name, high_name, min=none, max=none) -%}
    {%- do _require_var_order(
        low_name, number_var(low_name, min=min, max=max), high_name, number_var(high_name, min=min, max=max)
    ) -%}
{%- endmacro %}

{% macro _int_var_pair(low_name, high_name, min=none, max=none) -%}
    {%- do _require_var_order(
        low_name, int_var(low_name, min=min, max=max), high_name, int_var(high_name, min=min, max=max)
    ) -%}
{%- endmacro %}

{% macro validate_vars() -%}
    {%- do identifier_var('raw_schema') -%}
    {%- do date_var('min_event_date') -%}
    {%- do int_var('max_clock_skew_days', min=0, max=3650) -%}
    {%- do int_var('session_timeout_minutes', min=1, max=1440) -%}
    {%- do int_var('incremental_lookback_hours', min=0, max=8760) -%}
    {%- do int_var('max_funnel_steps', min=2, max=20) -%}
    {%- do int_var('activation_window_days', min=1, max=3650) -%}
    {%- do int_var('post_connection_minutes', min=1, max=10080) -%}
    {%- do int_var('return_window_days', min=1, max=3650) -%}
    {%- do int_var('stall_days', min=1, max=3650) -%}
    {%- do optional_timestamp_var('as_of') -%}
    {%- do _int_var_pair('in_scope_min_employees', 'in_scope_max_employees', min=1) -%}
    {%- do _number_var_pair('defer_threshold', 'invest_threshold', min=0, max=1) -%}
    {%- do int_var('min_decision_users', min=1) -%}
    {%- do int_var('min_driver_bucket_users', min=1) -%}
    {%- do number_var('activated_to_paid_rate', min=0, max=1) -%}
    {%- do text_var('control_variant') -%}
    {#- Data-quality thresholds: each warn / error pair is also checked for order. -#}
    {%- do int_var('dq_min_judged_rows', min=1, max=1000000) -%}
    {%- do _number_var_pair('dq_coverage_error_below', 'dq_coverage_warn_below', min=0, max=1) -%}
    {%- do _number_var_pair('dq_required_property_warn_above', 'dq_required_property_error_above', min=0, max=1) -%}
    {%- do number_var('dq_out_of_plan_warn_above', min=0, max=1) -%}
    {%- do _require_var_order(
        'dq_volume_min_baseline_days', int_var('dq_volume_min_baseline_days', min=1, max=365),
        'dq_volume_baseline_days', int_var('dq_volume_baseline_days', min=3, max=365)
    ) -%}
    {%- do _number_var_pair('dq_volume_warn_score', 'dq_volume_error_score', min=0, max=1000) -%}
    {%- do int_var('dq_late_after_hours', min=1, max=8760) -%}
    {%- do _number_var_pair('dq_late_share_warn_above', 'dq_late_share_error_above', min=0, max=1) -%}
    {%- do _int_var_pair('dq_event_freshness_warn_hours', 'dq_event_freshness_error_hours', min=1, max=87600) -%}
    {%- do _int_var_pair('dq_app_freshness_warn_hours', 'dq_app_freshness_error_hours', min=1, max=87600) -%}
    {%- do _number_var_pair('dq_quarantine_share_warn_above', 'dq_quarantine_share_error_above', min=0, max=1) -%}
    {%- do _number_var_pair('dq_duplicate_share_warn_above', 'dq_duplicate_share_error_above', min=0, max=1) -%}
    select 1 as vars_are_valid
{%- endmacro %}
