{#- Contracts' not_null constraints on Spark. dbt-spark sets them with `alter column ... set
    not null`, which only Delta tables accept; the project's tables are Parquet
    (dbt_project.yml, +file_format), which cannot hold a constraint. So a Parquet table is
    checked instead, once, right after it is built: a null in a not_null column fails the
    model (and skips what depends on it), as the constraint does on DuckDB. Delta tables
    keep dbt-spark's own behaviour. -#}
{% macro spark__persist_constraints(relation, model) %}
    {%- set contract_config = config.get('contract') -%}
    {%- if contract_config.enforced and config.get('file_format', 'delta') == 'delta' -%}
        {%- do alter_table_add_constraints(relation, model.constraints) -%}
        {%- do alter_column_set_constraints(relation, model.columns) -%}
    {%- elif contract_config.enforced -%}
        {%- set not_null_columns = [] -%}
        {%- for column_name in model.columns -%}
            {%- set column = model.columns[column_name] -%}
            {%- for constraint in column['constraints'] if constraint['type'] == 'not_null' -%}
                {%- do not_null_columns.append(adapter.quote(column_name) if column['quote'] else column_name) -%}
            {%- endfor -%}
        {%- endfor -%}
        {%- if not_null_columns -%}
            {%- set check_sql -%}
                select
                    {%- for column_name in not_null_columns %}
                    count(case when {{ column_name }} is null then 1 end) as null_rows_{{ loop.index }}
                    {{- ',' if not loop.last }}
                    {%- endfor %}
                from {{ relation }}
            {%- endset -%}
            {%- set counts = run_query(check_sql).rows[0] -%}
            {%- set broken = [] -%}
            {%- for column_name in not_null_columns -%}
                {%- if counts[loop.index0] > 0 -%}
                    {%- do broken.append(column_name ~ ' (' ~ counts[loop.index0] ~ ' rows)') -%}
                {%- endif -%}
            {%- endfor -%}
            {%- if broken -%}
                {{ exceptions.raise_compiler_error(
                    'Contract of ' ~ relation ~ ': nulls in not_null columns ' ~ broken | join(', ')
                ) }}
            {%- endif -%}
        {%- endif -%}
    {%- endif -%}
{% endmacro %}
