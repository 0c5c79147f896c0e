{#- The chain every share check runs from a measured share to its verdict, written once
    (dq_duplicate_share, dq_quarantine_share, dq_arrival_lateness, dq_tracking_coverage,
    dq_tracking_plan_conformance; see docs/data-quality.md, "Where the chain lives").

    measured -> judged -> verdict:
      1. windowed: the day's counts summed over the trailing window (dq_window_sums), unless
         the measured rows carry their window already;
      2. bounded: the share and its Wilson 95% bound, for the day and for the window
         (dq_share, dq_share_bound);
      3. judged: the day's status against the thresholds (dq_share_status), the window's
         against the tightened ones (dq_window_threshold, dq_window_status);
      4. verdict: the row's status, the worse of the two (dq_worse_status), and its
         status_reason, the day's sentence with the window's clause when the window decides
         (dq_verdict, dq_share_text, dq_reason_with_window).
    The steps' rules live in dq_status.sql and dq_window.sql; this macro only strings them
    together, so a share mart says what it measures and makes one call. Why one home: the
    five marts spelled the chain out each in its own CTEs, where one could drift from the
    others (a threshold tightened in one, a clause worded differently) unseen.

    A select (the body of a CTE) of every column of `measured_relation` and
      <share>, <bound>                    the day's share and its Wilson bound
      window_<successes>, window_rows     the window's counts
      window_share, window_bound          the window's share and bound
      day_status, window_status, status   the two verdicts and the worse of them
      share_text, status_reason           the day's share clause and the row's reason
    The mart's final select picks its contract's columns, in its contract's order, from it.

    Arguments:
      measured_relation  a CTE of one row per key and check_date with the counts
                         `successes` (the rows the share counts) and `trials` (the rows it
                         is a share of; at least one).
      window_keys        the columns a window sums within (a list, [] for one row per day;
                         see dq_window_sums). none: the relation carries its own
                         window_<successes> and window_rows (a window whose denominator is
                         not the keys' own rows, the out-of-plan share's).
      share, bound       the names of the day's share and bound columns in the contract.
      warn, error        the day's thresholds: numbers (settings) or column names; a null
                         error threshold never trips (a warn-only check).
      direction          'above' (too high is bad) or 'below' (too low is bad).
      day_reason         the day's sentence, a list of SQL text parts for dbt.concat over
                         the relation's columns; the part `share_text` is the share clause
                         ("share 0.020, at least 0.015 at 95%, <verdict>").
      unit, label        how the reason names the rows counted (rows, events) and the
                         share (share, coverage).
      day_unit           the unit of the day's "not judged" clause where it differs from
                         the window's: dq_arrival_lateness's day says rows, its window
                         events, as they always have (marts keep their rows). -#}
{% macro dq_share_verdict(
    measured_relation, window_keys, successes, trials, share, bound, warn, error, direction, day_reason,
    unit='rows', label='share', day_unit=none
) -%}
    {%- set window_successes = 'window_' ~ successes -%}
    {%- set window_warn = dq_window_threshold(warn, direction) -%}
    {%- set window_error = dq_window_threshold(error, direction) -%}
    {%- set day_verdict = dq_verdict('day_status', warn, error, direction, unit=day_unit or unit) -%}
    select
        decided.*,
        {{ dq_reason_with_window(
            dbt.concat(day_reason), 'day_status', 'window_status', window_successes, 'window_rows',
            'window_share', 'window_bound', window_warn, window_error, direction, unit=unit, label=label
        ) }} as status_reason
    from (
        select
            judged.*,
            {{ dq_worse_status('day_status', 'window_status') }} as status,
            {{ dq_share_text(share, bound, day_verdict, direction, label=label) }} as share_text
        from (
            select
                bounded.*,
                {{ dq_share_status(bound, trials, warn, error, direction) }} as day_status,
                {{ dq_window_status('window_bound', 'window_rows', window_warn, window_error, direction) }}
                    as window_status
            from (
                select
                    windowed.*,
                    {{ dq_share(successes, trials) }} as {{ share }},
                    {{ dq_share_bound(successes, trials, direction) }} as {{ bound }},
                    {{ dq_share(window_successes, 'window_rows') }} as window_share,
                    {{ dq_share_bound(window_successes, 'window_rows', direction) }} as window_bound
                from (
                    {%- if window_keys is none %}
                    select * from {{ measured_relation }}
                    {%- else %}
                    select
                        measured.*,
                        window_sums.{{ window_successes }},
                        window_sums.window_{{ trials }} as window_rows
                    from {{ measured_relation }} as measured
                    inner join (
                        {{ dq_window_sums(measured_relation, window_keys, [successes, trials]) }}
                    ) as window_sums
                        on
                        {%- for key in window_keys %}
                        measured.{{ key }} = window_sums.{{ key }} and
                        {%- endfor %}
                        measured.check_date = window_sums.check_date
                    {%- endif %}
                ) as windowed
            ) as bounded
        ) as judged
    ) as decided
{%- endmacro %}
