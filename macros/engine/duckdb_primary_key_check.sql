{#- Contracts' primary keys on DuckDB: checked by a query in the build's transaction, with
    no index built.

    A DuckDB primary key is an index (an ART) over every key. Declared in the CREATE
    TABLE, as dbt-duckdb does, it grows key by key through the whole insert and must stay
    in memory: at 10M short-journey events fct_user_milestones' 4.8M keys held 700 MB that
    no other query could spill, and the build beside it ran out of memory
    (docs/performance.md, "Memory"). Added by ALTER TABLE after the insert (the project's
    way until 2026-12-05), it is built when the transaction commits: 5 s of CPU for those
    keys, with every other model's commit held back meanwhile, and dropping the old table
    with its index 1.5 s more (docs/performance-log.md, "Second session of 2026-12-05"). An
    analytical table rebuilt whole by each build gains nothing from the index itself.

    So the key is what the contract says it is, a promise about the rows each build
    writes, and the build keeps it: macro duckdb_primary_key_check runs after the insert
    in the same transaction, and a repeated key or a null in one raises "duplicate key
    ..." naming it, so the model fails and the transaction is rolled back, leaving the old
    table in place, as the declared key did (tests/python/test_contract_keys.py).
    PostgreSQL declares the key in its CREATE TABLE as before; Spark's Parquet tables
    hold none (the unique tests stand for it there). -#}
{% macro duckdb__create_table_as(temporary, relation, compiled_code, language='sql', partitioned_by=none, sorted_by=none) -%}
    {%- set compression = column_compression() if language == 'sql' and not temporary else {} %}
    {%- if compression and (partitioned_by or sorted_by) %}
        {#- partitioned_by and sorted_by are DuckLake's (DuckDB's own tables refuse them),
            and a DuckLake table is Parquet files, which take no DuckDB compression: the
            two configs cannot both hold, so say so rather than drop one silently. -#}
        {{ exceptions.raise_compiler_error(
            "Model " ~ model.name ~ ": column_compression applies to DuckDB's own tables and cannot be "
            ~ "combined with partitioned_by or sorted_by, which are DuckLake's; set one or the other "
            ~ "(macros/engine/duckdb_column_compression.sql)."
        ) }}
    {%- endif %}
    {%- if compression and not config.get('contract').enforced %}
    {{ duckdb_create_table_with_column_compression(relation, compiled_code, compression) }}
    {%- else %}
    {{ dbt.duckdb__create_table_as(temporary, relation, compiled_code, language, partitioned_by, sorted_by) }}
    {%- endif %}
    {%- set primary_key = contract_primary_key() if language == 'sql' and not temporary else [] %}
    {%- if primary_key and 'incremental' in config.get('materialized', '') %}
        {#- Later runs of an incremental model insert into its table without this
            statement, so its key would be checked on the first build only. No keyed
            model is incremental today; one that became so must say how it keeps its
            key rather than lose the check silently. -#}
        {{ exceptions.raise_compiler_error(
            "Model " ~ model.name ~ " declares a primary key and is incremental: on DuckDB the project "
            ~ "checks a key only when a table is built whole (macros/engine/duckdb_primary_key_check.sql). "
            ~ "Prove the key with a unique test instead, or extend the check to incremental runs."
        ) }}
    {%- endif %}
    {%- if primary_key %}
    {{ duckdb_primary_key_check(relation, primary_key) }};
    {%- endif %}
{%- endmacro %}


{#- A statement that fails, naming the model and its first offending key, when `relation`
    (the table being built) holds two rows with the same `primary_key` (a list of columns)
    or a row with a null in one of them, and returns no row otherwise: one grouping of the
    key columns (0.5 s for fct_user_milestones' 4.8M keys at 10M short-journey events). -#}
{% macro duckdb_primary_key_check(relation, primary_key) -%}
    {%- set key_text = [] -%}
    {%- for column in primary_key -%}
        {%- do key_text.append("coalesce(cast(" ~ column ~ " as varchar), 'null')") -%}
    {%- endfor -%}
    select error(
        {{ sql_string_literal('Constraint Error: duplicate key or null in the primary key ('
            ~ (primary_key | join(', ')) ~ ') of ' ~ this ~ ': ') }}
        || {{ key_text | join(" || ', ' || ") }}
    )
    from (
        select {{ primary_key | join(', ') }}
        from {{ relation }}
        group by {{ primary_key | join(', ') }}
        having count(*) > 1 or {{ primary_key | join(' is null or ') }} is null
        limit 1
    ) as offending_keys
{%- endmacro %}


{#- The columns and constraints of the CREATE TABLE, as dbt renders them, less the primary
    key, which duckdb__create_table_as checks instead (above), and with the compression of
    a column the model names in its config column_compression (macro column_compression). -#}
{% macro duckdb__get_table_columns_and_constraints() -%}
    {%- set compression = column_compression() -%}
    {%- do column_compression_columns_returned(compression, model['columns'].keys() | list, 'its contract lists') -%}
    {%- set columns = {} -%}
    {%- for name, column in model['columns'].items() -%}
        {%- set kept = column.copy() -%}
        {%- do kept.update({'constraints': column['constraints'] | rejectattr('type', 'equalto', 'primary_key') | list}) -%}
        {%- if name in compression -%}
            {%- do kept.update({'data_type': column['data_type'] ~ ' using compression ' ~ compression[name]}) -%}
        {%- endif -%}
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
