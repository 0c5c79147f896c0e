{#- The trailing window of the share checks: besides each day, every share is judged over
    the `dq_window_days` days ending on the row's day (see _data_quality__docs.md,
    dq_window_judgement, and docs/data-quality.md, "Damage spread thin").

    Why a window: a day's threshold is loose because one day is noisy, so a share a little
    above normal on every day (2% of the events losing their timestamp, every day) never
    trips it; summed over a week the noise is small and the same shift stands out. The
    window is judged like a day (the Wilson 95% bound of dq_status.sql, a minimum of rows
    of dq_min_judged_rows for each day of the window) against thresholds tightened by
    `dq_window_tightening`, and a row's `status` is the worse of the two verdicts.

    Written once here and used by each share mart (dq_quarantine_share, dq_duplicate_share,
    dq_arrival_lateness, dq_tracking_coverage, dq_tracking_plan_conformance): the window
    sum, the tightened threshold, the combined status and the window's wording. Plain SQL:
    the window is a self-join on a date range (dbt.dateadd), which DuckDB, PostgreSQL and
    Spark all run, where a `range between interval` frame is not portable. -#}

{#- A select (the body of a CTE) of every row of `relation` with, for each column of
    `columns`, `window_<column>`: its sum over the rows of the same `keys` whose check_date
    lies in the `dq_window_days` days ending on the row's check_date (the row's own day
    included). `keys` is a list of column names, never null (a null key joins nothing);
    an empty list sums over every row of the window. A day with no row adds nothing: a
    relation whose absent days should count (a denominator every day has) is summed on its
    own, without the keys. Sums are cast to bigint (DuckDB's sum of a bigint is wider). -#}
{% macro dq_window_sums(relation, keys, columns) -%}
    {%- set window_days = setting('dq_window_days') -%}
    select
        {%- for key in keys %}
        this_day.{{ key }},
        {%- endfor %}
        this_day.check_date,
        {%- for column in columns %}
        cast(sum(window_day.{{ column }}) as {{ dbt.type_bigint() }}) as window_{{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ relation }} as this_day
    inner join {{ relation }} as window_day
        on
        {%- for key in keys %}
        this_day.{{ key }} = window_day.{{ key }} and
        {%- endfor %}
        window_day.check_date <= this_day.check_date
        and window_day.check_date > {{ dbt.dateadd('day', -1 * window_days, 'this_day.check_date') }}
    group by
        {%- for key in keys %}
        this_day.{{ key }},
        {%- endfor %}
        this_day.check_date
{%- endmacro %}

{#- A day's threshold tightened for the window (var dq_window_tightening, t): t x threshold
    when too high is bad ('above'), 1 - t x (1 - threshold) when too low is bad ('below'),
    so t = 1 judges the window like a day and t = 0.5 halves the distance from the perfect
    share. A number gives a number (rounded to 6 places, so 0.5 x 0.15 is written 0.075), a
    SQL expression an expression; none stays none (a threshold that never trips). -#}
{% macro dq_window_threshold(threshold, direction) -%}
    {%- set _ = _dq_direction(direction) -%}
    {%- set tightening = setting('dq_window_tightening') -%}
    {%- if threshold is none -%}
        {{ return(none) }}
    {%- elif threshold is number -%}
        {%- if direction == 'above' -%}
            {{ return((tightening * threshold) | round(6)) }}
        {%- else -%}
            {{ return((1 - tightening * (1 - threshold)) | round(6)) }}
        {%- endif -%}
    {%- elif direction == 'above' -%}
        {{ return('(' ~ tightening ~ ' * ' ~ threshold ~ ')') }}
    {%- else -%}
        {{ return('(1 - ' ~ tightening ~ ' * (1 - ' ~ threshold ~ '))') }}
    {%- endif -%}
{%- endmacro %}

{#- The fewest rows a window is judged on: dq_min_judged_rows for each of its
    dq_window_days days (35 at the defaults). The tightened threshold is only sound where
    the window holds many rows: over a few dozen (a hand-written fixture, a trickle of
    early data) one odd row is still a large share, and halving the threshold would turn
    it into an alarm the day's own rule refuses to raise. -#}
{% macro dq_window_min_rows() -%}
    {{ return(setting('dq_window_days') * dq_min_judged_rows()) }}
{%- endmacro %}

{#- The window's status: `not_judged` under dq_window_min_rows rows, else the day's rule
    (dq_share_status) on the window's bound against the tightened thresholds. -#}
{% macro dq_window_status(window_bound, window_rows, window_warn, window_error, direction) -%}
    (
        case
            when {{ window_rows }} < {{ dq_window_min_rows() }} then 'not_judged'
            else {{ dq_share_status(window_bound, window_rows, window_warn, window_error, direction) }}
        end
    )
{%- endmacro %}

{#- A status's rank: not_judged < ok < warn < error. -#}
{% macro _dq_status_rank(status) -%}
    (case {{ status }} when 'error' then 3 when 'warn' then 2 when 'ok' then 1 else 0 end)
{%- endmacro %}

{#- The worse of the day's and the window's status; `not_judged` only when both are. -#}
{% macro dq_worse_status(day_status, window_status) -%}
    (
        case
            when {{ day_status }} = 'error' or {{ window_status }} = 'error' then 'error'
            when {{ day_status }} = 'warn' or {{ window_status }} = 'warn' then 'warn'
            when {{ day_status }} = 'ok' or {{ window_status }} = 'ok' then 'ok'
            else 'not_judged'
        end
    )
{%- endmacro %}

{#- True when the window's verdict is worse than the day's (it decides the status). -#}
{% macro dq_window_decides(day_status, window_status) -%}
    ({{ _dq_status_rank(window_status) }} > {{ _dq_status_rank(day_status) }})
{%- endmacro %}

{#- The status_reason of a share row: the day's wording as it is when the day decides (a
    tie included); when the window's verdict is worse, the day's wording followed by the
    window's clause:
        ; over the 7 days to this day 312 of 15600 rows: share 0.020, at least 0.018 at
        95%, above the window's warning threshold 0.01
    `window_warn`/`window_error` are the tightened thresholds (dq_window_threshold). -#}
{% macro dq_reason_with_window(
    day_reason, day_status, window_status, window_successes, window_rows, window_share, window_bound,
    window_warn, window_error, direction, unit='rows', label='share'
) -%}
    {%- set text = dbt.type_string() -%}
    {%- set verdict -%}
        (
            case {{ window_status }}
                when 'error' then {{ _dq_threshold_text(direction ~ " the window''s error threshold ", window_error) }}
                when 'warn' then {{ _dq_threshold_text(direction ~ " the window''s warning threshold ", window_warn) }}
                when 'not_judged' then 'not judged: fewer than {{ dq_window_min_rows() }} {{ unit }}'
                else 'within the window''s thresholds'
            end
        )
    {%- endset -%}
    (
        case
            when {{ dq_window_decides(day_status, window_status) }} then {{ dbt.concat([
                day_reason,
                "'; over the " ~ setting('dq_window_days') ~ " days to this day '",
                "cast(" ~ window_successes ~ " as " ~ text ~ ")", "' of '", "cast(" ~ window_rows ~ " as " ~ text ~ ")",
                "' " ~ unit ~ ": '", dq_share_text(window_share, window_bound, verdict, direction, label=label)
            ]) }}
            else {{ day_reason }}
        end
    )
{%- endmacro %}
