{#- How the data-quality marts judge a share, one home for every share check
    (dq_duplicate_share, dq_quarantine_share, dq_arrival_lateness, dq_tracking_coverage,
    dq_tracking_plan_conformance; see _data_quality__docs.md, dq_wilson_judgement).

    Why macros: the rule is the project's, not a model's. A share is measured, bounded by
    the Wilson 95% interval on the side that makes an alarm conservative, not judged under
    `dq_min_judged_rows` rows, then held against a warning and an error threshold, and
    its verdict is worded the same way in every status_reason. Written once here, a change
    to the rule (a new bound, a new minimum, a new wording) reaches every check in one
    edit, and no two checks can drift apart. Each macro returns one SQL expression of
    plain CASE, comparison and dbt.concat, so it runs on DuckDB, PostgreSQL and Spark.

    `direction` says which way a share goes wrong:
      * 'above': too high is bad (duplicates, quarantined rows, late events, events off
        the tracking plan). Judged on the Wilson lower bound ("95% sure the share is
        above the threshold"), status when the bound is above a threshold.
      * 'below': too low is bad (tracking coverage). Judged on the Wilson upper bound,
        status when the bound is below a threshold.
    Anything else stops the build at compile time.

    A threshold is either a number known at compile time (a validated var, written into
    the SQL and into the verdict's text as Jinja renders it) or a SQL expression (a
    column, for a model whose rows carry their own thresholds; cast to text at run time).
    A null threshold never trips: a comparison with null is never true, so a warn-only
    check passes a null error threshold. -#}

{#- The comparison and the bound's wording for a direction; refuses any other value. -#}
{% macro _dq_direction(direction) -%}
    {%- set directions = {
        'above': {'operator': '>', 'bound_text': 'at least'},
        'below': {'operator': '<', 'bound_text': 'at most'},
    } -%}
    {%- if direction not in directions -%}
        {{ exceptions.raise_compiler_error(
            "Invalid data-quality direction: got " ~ (direction | string | tojson) ~ ", expected 'above' or 'below'."
        ) }}
    {%- endif -%}
    {{ return(directions[direction]) }}
{%- endmacro %}

{#- The fewest rows a share is judged on (var dq_min_judged_rows): below it the row is
    shown but `not_judged`, since one odd row among two is half the day. -#}
{% macro dq_min_judged_rows() -%}
    {{ return(setting('dq_min_judged_rows')) }}
{%- endmacro %}

{#- The share successes / trials as a double (never an integer division). The callers'
    trials are counts of at least one row. -#}
{% macro dq_share(successes, trials) -%}
    ({{ stat_to_double(successes) }} / {{ stat_to_double(trials) }})
{%- endmacro %}

{#- The Wilson 95% bound a share is judged on: the lower bound when too high is bad, the
    upper bound when too low is bad, so a small day's noise never raises an alarm. -#}
{% macro dq_share_bound(successes, trials, direction) -%}
    {%- set _ = _dq_direction(direction) -%}
    {%- if direction == 'above' -%}
        {{ wilson_interval_low(successes, trials) }}
    {%- else -%}
        {{ wilson_interval_high(successes, trials) }}
    {%- endif -%}
{%- endmacro %}

{#- The ladder every data-quality check climbs, shares or not (dq_share_status here, the
    volume score of dq_event_volume, the hours behind of dq_source_freshness): `error`
    when `value` is past the error threshold, else `warn` when past the warning threshold,
    else `ok`; "past" is `operator` (`>` when too high is bad, `<` or `<=` when too low
    is). The caller says first when a value is not judged. One home, so that no check can
    test the thresholds in another order. -#}
{% macro dq_threshold_status(value, operator, warn, error) -%}
    (
        case
            when {{ value }} {{ operator }} {{ error }} then 'error'
            when {{ value }} {{ operator }} {{ warn }} then 'warn'
            else 'ok'
        end
    )
{%- endmacro %}

{#- The status of a share: `not_judged` under dq_min_judged_rows rows, else the ladder
    (dq_threshold_status) on its bound. -#}
{% macro dq_share_status(share_bound, rows, warn, error, direction) -%}
    (
        case
            when {{ rows }} < {{ dq_min_judged_rows() }} then 'not_judged'
            else {{ dq_threshold_status(share_bound, _dq_direction(direction).operator, warn, error) }}
        end
    )
{%- endmacro %}

{#- A threshold's wording: `prefix` then the threshold, written at compile time when it
    is a number, cast at run time when it is a column. -#}
{% macro _dq_threshold_text(prefix, threshold) -%}
    {%- if threshold is number -%}
        '{{ prefix }}{{ threshold }}'
    {%- else -%}
        ({{ dbt.concat(["'" ~ prefix ~ "'", "cast(" ~ threshold ~ " as " ~ dbt.type_string() ~ ")"]) }})
    {%- endif -%}
{%- endmacro %}

{#- The verdict a status_reason ends on, from a status of dq_share_status: which
    threshold the share is past, or why it is not judged (`unit` names the rows counted,
    as the reader knows them: rows, events). -#}
{% macro dq_verdict(status, warn, error, direction, unit='rows') -%}
    {%- set _ = _dq_direction(direction) -%}
    (
        case {{ status }}
            when 'error' then {{ _dq_threshold_text(direction ~ ' the error threshold ', error) }}
            when 'warn' then {{ _dq_threshold_text(direction ~ ' the warning threshold ', warn) }}
            when 'not_judged' then 'not judged: fewer than {{ dq_min_judged_rows() }} {{ unit }}'
            else 'within the thresholds'
        end
    )
{%- endmacro %}

{#- The share clause of a status_reason, as text:
        <label> 0.020, at least 0.015 at 95%, <verdict>
    share and bound to three decimals; "at least" for the lower bound ('above'), "at most"
    for the upper ('below'). `label` names the share as the reader knows it (share,
    coverage). -#}
{% macro dq_share_text(share, share_bound, verdict, direction, label='share') -%}
    {%- set text = dbt.type_string() -%}
    ({{ dbt.concat([
        "'" ~ label ~ " '", "cast(cast(" ~ share ~ " as decimal(18, 3)) as " ~ text ~ ")",
        "', " ~ _dq_direction(direction).bound_text ~ " '",
        "cast(cast(" ~ share_bound ~ " as decimal(18, 3)) as " ~ text ~ ")",
        "' at 95%, '", verdict
    ]) }})
{%- endmacro %}
