{#- Test results over time (docs/data-quality.md, "Results over time"): the on-run-end hook
    appends what each invocation's nodes did (the `results` context) to
    history.dbt_run_results, and keeps the last `run_results_kept_builds` invocations, so a
    test that flips from pass to warn, or a model that slows down, can be seen across
    builds. The columns are an interface: the publish step reads them. -#}
{% macro record_run_results(results) -%}
    {%- if execute -%}
        {%- set relation = history_table('dbt_run_results') -%}
        {%- set started = history_timestamp(run_started_at.strftime('%Y-%m-%d %H:%M:%S.%f')) -%}
        {%- set generated = history_timestamp(
            modules.datetime.datetime.now(modules.pytz.utc).strftime('%Y-%m-%d %H:%M:%S.%f')
        ) -%}
        {%- set rows = [] -%}
        {%- for result in results if result.node is defined and result.node is not none -%}
            {%- set node = result.node -%}
            {%- set resource_type = node.resource_type | string -%}
            {%- set severity = node.config.severity if resource_type == 'test' else none -%}
            {%- set message = none if result.message is none else (result.message | string)[:500] -%}
            {%- do rows.append([
                history_text(invocation_id),
                history_text(flags.WHICH),
                started,
                generated,
                history_text(node.unique_id),
                history_text(node.name),
                history_text(resource_type),
                history_text(result.status | string),
                history_text(none if severity is none else severity | string | lower),
                'cast(' ~ ('null' if result.failures is none else result.failures | int) ~ ' as ' ~ dbt.type_bigint() ~ ')',
                'cast(' ~ (result.execution_time or 0) ~ ' as ' ~ stat_double_type() | trim ~ ')',
                history_text(message),
            ]) -%}
        {%- endfor -%}
        {%- set columns = [] -%}
        {%- for column, _ in history_columns('dbt_run_results') -%}
            {%- do columns.append(column) -%}
        {%- endfor -%}
        {%- do history_insert_rows(relation, columns, rows) -%}
        {%- do _prune_run_results(relation) -%}
    {%- endif -%}
    select 1 as run_results_recorded
{%- endmacro %}

{#- Keeps the rows of the last `run_results_kept_builds` invocations (by start time), and
    rewrites the table only when there are more. -#}
{% macro _prune_run_results(relation) -%}
    {%- set kept = setting('run_results_kept_builds') -%}
    {%- set invocations = run_query('select count(distinct invocation_id) from ' ~ relation).columns[0].values()[0] -%}
    {%- if invocations | int > kept -%}
        {%- set kept_ids -%}
            select invocation_id
            from (
                select invocation_id, max(run_started_at) as started_at
                from {{ relation }}
                group by invocation_id
                order by started_at desc, invocation_id desc
                limit {{ kept }}
            ) as latest_invocations
        {%- endset -%}
        {%- do history_keep_rows(relation, 'invocation_id in (' ~ kept_ids ~ ')') -%}
    {%- endif -%}
{%- endmacro %}
