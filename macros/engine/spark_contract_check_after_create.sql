{#- A contract's column check on Spark Parquet tables, made on the created table instead of
    on the model's query. dbt checks a contract before the create by running the model's
    query under `where false limit 0`: Spark analyses the whole query for it and then again
    for the create (0.1-1.5 s a model on the tests' scenario, about 10 s of a build). The
    created table has the query's columns and types, so reading its schema (a trivial query)
    answers the same question. On a mismatch the table is dropped before the error: a Parquet
    table is dropped before its create anyway (dbt-spark), so a failed build leaves no
    table, as a failed contract check before the create does. Delta tables keep dbt's check. -#}
{% macro spark__get_assert_columns_equivalent(sql) -%}
    {%- if spark_table_holds_constraints() or model.config.materialized in ('view', 'fingerprinted_view') -%}
        {{ return(assert_columns_equivalent(sql)) }}
    {%- endif -%}
{%- endmacro %}

{#- Called by spark__persist_constraints right after the table is created. -#}
{% macro spark_assert_created_columns(relation) -%}
    {%- set user_defined_columns = model['columns'] -%}
    {%- if not user_defined_columns -%}
        {%- do adapter.drop_relation(relation) -%}
        {%- do exceptions.raise_contract_error([], []) -%}
    {%- endif -%}
    {%- set table_columns = format_columns(get_column_schema_from_query('select * from ' ~ relation)) -%}
    {%- set yaml_columns = format_columns(get_column_schema_from_query(get_empty_schema_sql(user_defined_columns))) -%}
    {%- set yaml_by_name = {} -%}
    {%- for column in yaml_columns -%}
        {%- do yaml_by_name.update({column['name']: column['formatted']}) -%}
    {%- endfor -%}
    {%- set mismatched = [] -%}
    {%- for column in table_columns -%}
        {%- if yaml_by_name.get(column['name']) != column['formatted'] -%}
            {%- do mismatched.append(column['name']) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if mismatched or table_columns | length != yaml_columns | length -%}
        {%- do adapter.drop_relation(relation) -%}
        {%- do exceptions.raise_contract_error(yaml_columns, table_columns) -%}
    {%- endif -%}
{%- endmacro %}

{#- Whether the model's Spark table can hold constraints itself (Delta: dbt-spark sets them
    and checks the contract before the create); a Parquet table cannot, so the project
    checks it after the create (spark__persist_constraints). -#}
{% macro spark_table_holds_constraints() -%}
    {{ return(config.get('file_format', 'delta') == 'delta') }}
{%- endmacro %}
