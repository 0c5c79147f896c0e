{#- The threshold test of a data-quality mart (models/marts/data_quality): passes when no
    row of the model has `status` = `level` (`warn` or `error`) and incident_status
    `open`. The mart holds the rule, the thresholds (vars) and which breaches are judged
    (macro dq_with_incident_status: recent or restated days, not acknowledged); this test
    only reads its verdict, so a chart and the build never disagree. Historical and
    acknowledged breaches stay in the mart and in dq_incidents, and fail nothing. Use it
    once per level, with the matching severity.

    Every failing row carries check_name, table_name, check_date and status_reason, and
    each open one of them (up to `max_logged`) is also written to the dbt log as one line
    naming the check, the table and the day, so the build's own output says what broke
    where:

        data quality ERROR: tracking_coverage | raw.data_source_connections | 2026-05-20 | ...

    `runs_after` (optional, a ref) names a model the test waits for: the last model of the
    incident record (dq_acknowledgement_states, after dq_incident_history and
    dq_incidents). dbt build skips the models downstream of a failing test's model unless
    they do not descend from every node the test depends on; depending on the record's
    last model too, a failing test skips none of them, so the build that fails on an open
    incident still records it.

    The standard test configs apply (`where`, `limit`, `severity`, `store_failures`...):
    with `where`, dbt hands the test a subquery (text) instead of a relation, which is
    read as it is. -#}
{% test data_quality_breaches(model, level, max_logged=20, runs_after=none) %}

{%- if level not in ('warn', 'error') -%}
    {{ exceptions.raise_compiler_error(
        "data_quality_breaches on " ~ model ~ ": level must be 'warn' or 'error', got '" ~ level ~ "'."
    ) }}
{%- endif -%}

{%- set breaches_sql -%}
    select
        check_name,
        table_name,
        check_date,
        status,
        incident_status,
        status_reason
    from {{ model }}
    where status = '{{ level }}' and incident_status = 'open'
{%- endset -%}

{#- At execution the mart exists (tests run after their model): log its open breaches. A
    relation is looked up first (a test run before any build has none); a `where`
    subquery is text, whose relation dbt has already resolved. -#}
{%- if execute and (model is string or load_relation(model) is not none) -%}
    {%- set logged = run_query(breaches_sql ~ ' order by check_date, table_name, check_name, status_reason limit ' ~ (max_logged | int)) -%}
    {%- for row in logged.rows -%}
        {%- do log(
            'data quality ' ~ (level | upper) ~ ': ' ~ row['check_name'] ~ ' | ' ~ row['table_name']
            ~ ' | ' ~ row['check_date'] ~ ' | ' ~ row['status_reason'],
            info=true
        ) -%}
    {%- endfor -%}
{%- endif %}

{{ breaches_sql }}

{% endtest %}
