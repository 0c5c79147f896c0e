{#- Contracts' constraints on Spark. dbt-spark sets them with `alter table`, which only
    Delta tables accept; the project's tables are Parquet (dbt_project.yml, +file_format),
    which cannot hold a constraint. So a Parquet table is checked instead, by one query
    right after it is built: a null in a not_null column, or a row for which a check
    expression is false, fails the model (and skips what depends on it), as the constraint
    does on DuckDB. The contract's columns are checked first, on the created table
    (macros/engine/spark_contract_check_after_create.sql). Delta tables keep dbt-spark's own
    behaviour. -#}
{% macro spark__persist_constraints(relation, model) %}
    {%- set contract_config = config.get('contract') -%}
    {%- if contract_config.enforced and spark_table_holds_constraints() -%}
        {%- do alter_table_add_constraints(relation, model.constraints) -%}
        {%- do alter_column_set_constraints(relation, model.columns) -%}
    {%- elif contract_config.enforced -%}
        {%- do spark_assert_created_columns(relation) -%}
        {#- (what is checked, a condition true on a row that breaks it) -#}
        {%- set checks = [] -%}
        {%- for column_name in model.columns -%}
            {%- set column = model.columns[column_name] -%}
            {%- set quoted = adapter.quote(column_name) if column['quote'] else column_name -%}
            {%- for constraint in column['constraints'] -%}
                {%- if constraint['type'] == 'not_null' -%}
                    {%- do checks.append((quoted ~ ' not null', quoted ~ ' is null')) -%}
                {%- elif constraint['type'] == 'check' -%}
                    {%- do checks.append(('check ' ~ constraint['expression'], 'not (' ~ constraint['expression'] ~ ')')) -%}
                {%- endif -%}
            {%- endfor -%}
        {%- endfor -%}
        {%- for constraint in model.constraints -%}
            {%- if constraint['type'] == 'check' -%}
                {%- do checks.append(('check ' ~ constraint['expression'], 'not (' ~ constraint['expression'] ~ ')')) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if checks -%}
            {%- set check_sql -%}
                select
                    {%- for check in checks %}
                    count(case when {{ check[1] }} then 1 end) as broken_{{ loop.index }}
                    {{- ',' if not loop.last }}
                    {%- endfor %}
                from {{ relation }}
            {%- endset -%}
            {%- set counts = run_query(check_sql).rows[0] -%}
            {%- set broken = [] -%}
            {%- for check in checks -%}
                {%- if counts[loop.index0] > 0 -%}
                    {%- do broken.append(check[0] ~ ' (' ~ counts[loop.index0] ~ ' rows)') -%}
                {%- endif -%}
            {%- endfor -%}
            {%- if broken -%}
                {{ exceptions.raise_compiler_error(
                    'Contract of ' ~ relation ~ ' broken: ' ~ broken | join('; ')
                ) }}
            {%- endif -%}
        {%- endif -%}
    {%- endif -%}
{% endmacro %}
