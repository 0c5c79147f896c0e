{#- Contracts' primary keys on DuckDB, added once the rows are in. dbt-duckdb declares the
    key in its CREATE TABLE, so DuckDB grows the key's index (an ART) key by key through
    the whole insert, and an index under construction must stay in memory: at 10M
    short-journey events fct_user_milestones' 4.8M keys held 700 MB that no other query
    could spill, and the build running beside it ran out of memory (docs/performance.md,
    "Memory"). ALTER TABLE ... ADD PRIMARY KEY on the filled table builds the same index
    in one pass, in half the memory and less time. It runs in the same transaction as the
    insert, before the new table replaces the old one, so a duplicate key still fails the
    build and leaves the old table in place, as the declared key did. -#}
{% macro duckdb__create_table_as(temporary, relation, compiled_code, language='sql', partitioned_by=none, sorted_by=none) -%}
    {{ dbt.duckdb__create_table_as(temporary, relation, compiled_code, language, partitioned_by, sorted_by) }}
    {%- set primary_key = contract_primary_key() if language == 'sql' and not temporary else [] %}
    {%- if primary_key %}
    alter table {{ relation }} add primary key ({{ primary_key | join(', ') }});
    {%- endif %}
{%- endmacro %}


{#- The columns and constraints of the CREATE TABLE, as dbt renders them, less the primary
    key, which duckdb__create_table_as adds after the insert. -#}
{% macro duckdb__get_table_columns_and_constraints() -%}
    {%- set columns = {} -%}
    {%- for name, column in model['columns'].items() -%}
        {%- set kept = column.copy() -%}
        {%- do kept.update({'constraints': column['constraints'] | rejectattr('type', 'equalto', 'primary_key') | list}) -%}
        {%- do columns.update({name: kept}) -%}
    {%- endfor -%}
    {%- set model_constraints = model['constraints'] | rejectattr('type', 'equalto', 'primary_key') | list -%}
    {%- set raw_column_constraints = adapter.render_raw_columns_constraints(raw_columns=columns) -%}
    {%- set raw_model_constraints = adapter.render_raw_model_constraints(raw_constraints=model_constraints) -%}
    (
    {% for c in raw_column_constraints -%}
        {{ c }}{{ "," if not loop.last or raw_model_constraints }}
    {% endfor %}
    {% for c in raw_model_constraints -%}
        {{ c }}{{ "," if not loop.last }}
    {% endfor -%}
    )
{%- endmacro %}


{#- The enforced contract's primary key columns (a model-level constraint or a column's
    own), or [] when the model declares none or its contract is not enforced. -#}
{% macro contract_primary_key() -%}
    {%- set primary_key = [] -%}
    {%- if config.get('contract').enforced -%}
        {%- for constraint in model['constraints'] if constraint['type'] == 'primary_key' -%}
            {%- do primary_key.extend(constraint['columns']) -%}
        {%- endfor -%}
        {%- for name, column in model['columns'].items() -%}
            {%- if column['constraints'] | selectattr('type', 'equalto', 'primary_key') | list -%}
                {%- do primary_key.append(adapter.quote(name) if column['quote'] else name) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {{- return(primary_key) -}}
{%- endmacro %}
