{#- The history schema (docs/incremental-builds.md, "Restated raw data"; docs/data-quality.md):
    tables the on-run-* hooks keep across builds. They are no dbt models, so
    `--full-refresh` never wipes them: what a build read and what each invocation's nodes
    did must outlive the rebuild that repairs a restatement. -#}

{#- Each history table's columns, in order, with a portable type. -#}
{% macro history_columns(name) -%}
    {%- set text = dbt.type_string() -%}
    {%- set stamp = dbt.type_timestamp() -%}
    {%- set count = dbt.type_bigint() -%}
    {%- set tables = {
        'raw_event_days': [
            ('received_date', 'date'), ('raw_rows', count), ('fingerprint', text),
            ('settled_before', stamp), ('latest_received_at', stamp), ('recorded_at', stamp),
            ('invocation_id', text),
        ],
        'raw_event_days_read': [
            ('received_date', 'date'), ('raw_rows', count), ('fingerprint', text),
            ('settled_before', stamp), ('invocation_id', text),
        ],
        'raw_event_restatements': [
            ('received_date', 'date'), ('detected_at', stamp), ('detected_through', stamp),
            ('rows_before', count), ('rows_after', count), ('change', text),
        ],
        'table_fingerprints': [
            ('relation_name', text), ('unique_id', text), ('fingerprint', text),
            ('built_at', stamp), ('invocation_id', text),
        ],
        'source_signatures': [
            ('input_id', text), ('signature', text), ('invocation_id', text), ('recorded_at', stamp),
        ],
        'source_signature_queries': [
            ('input_id', text), ('source_database', text), ('source_schema', text),
            ('source_identifier', text), ('signature_sql', text), ('invocation_id', text),
        ],
        'dbt_run_results': [
            ('invocation_id', text), ('command', text), ('run_started_at', stamp),
            ('generated_at', stamp), ('unique_id', text), ('name', text), ('resource_type', text),
            ('status', text), ('severity', text), ('failures', count),
            ('execution_seconds', stat_double_type() | trim), ('message', text),
        ],
    } -%}
    {{ return(tables[name]) }}
{%- endmacro %}

{#- The relation of history table `name`, in the schema generate_schema_name gives 'history'. -#}
{% macro history_relation(name) -%}
    {{ return(api.Relation.create(
        database=(none if target.type == 'spark' else target.database),
        schema=generate_schema_name('history', none) | trim,
        identifier=name,
        type='table'
    )) }}
{%- endmacro %}

{#- The relation of history table `name`, created first when it is missing (a hook of its
    own would run too late for an on-run-end after a failed on-run-start). -#}
{% macro history_table(name) -%}
    {%- set relation = history_relation(name) -%}
    {%- if adapter.get_relation(database=relation.database, schema=relation.schema, identifier=name) is none -%}
        {%- do adapter.create_schema(relation) -%}
        {%- set columns = [] -%}
        {%- for column, data_type in history_columns(name) -%}
            {%- do columns.append(column ~ ' ' ~ data_type) -%}
        {%- endfor -%}
        {%- do history_execute([history_create_table_sql(relation, columns | join(', '))]) -%}
    {%- endif -%}
    {{ return(relation) }}
{%- endmacro %}

{#- The on-run-start hook: the history tables exist before anything reads them. -#}
{% macro create_history_tables() -%}
    {%- if execute -%}
        {%- for name in [
            'raw_event_days', 'raw_event_days_read', 'raw_event_restatements', 'dbt_run_results',
            'table_fingerprints', 'source_signatures', 'source_signature_queries',
        ]
            if name not in ('table_fingerprints', 'source_signatures', 'source_signature_queries')
                or table_fingerprints_supported() -%}
            {%- do history_table(name) -%}
        {%- endfor -%}
    {%- endif -%}
    select 1 as history_tables_exist
{%- endmacro %}

{% macro history_create_table_sql(relation, columns) -%}
    {{ return(adapter.dispatch('history_create_table_sql', 'activation_warehouse')(relation, columns)) }}
{%- endmacro %}

{% macro default__history_create_table_sql(relation, columns) -%}
    create table if not exists {{ relation }} ({{ columns }})
{%- endmacro %}

{#- Plain Parquet, the format the project's models use on Spark (dbt_project.yml). -#}
{% macro spark__history_create_table_sql(relation, columns) -%}
    create table if not exists {{ relation }} ({{ columns }}) using parquet
{%- endmacro %}

{#- Runs `statements` (SQL texts) in one transaction of dbt's and commits it. A hook's
    SQL shares dbt's connection, whose transaction may already be open (a relation lookup
    opens one) and is rolled back when the run stops: a write a hook means to keep, such
    as a restatement recorded just before the run stops, is committed here. Spark has no
    transactions (its adapter's begin and commit do nothing). -#}
{% macro history_execute(statements) -%}
    {%- for sql in statements -%}
        {%- call statement('history_write', auto_begin=True) -%}
            {{ sql }}
        {%- endcall -%}
    {%- endfor -%}
    {%- do adapter.commit() -%}
{%- endmacro %}

{#- Appends `rows` (each a list of SQL expressions, one per column of `columns`) to
    `relation`, 100 rows a statement: a build's results run to hundreds of nodes, and one
    statement per row would cost a round trip each. -#}
{% macro history_insert_rows(relation, columns, rows) -%}
    {%- set statements = [] -%}
    {%- for batch in rows | batch(100) -%}
        {%- set values = [] -%}
        {%- for row in batch -%}
            {%- do values.append('(' ~ (row | join(', ')) ~ ')') -%}
        {%- endfor -%}
        {%- do statements.append(
            'insert into ' ~ relation ~ ' (' ~ (columns | join(', ')) ~ ') values\n' ~ (values | join(',\n'))
        ) -%}
    {%- endfor -%}
    {%- if statements -%}
        {%- do history_execute(statements) -%}
    {%- endif -%}
{%- endmacro %}

{#- SQL literals for history rows: null stays null. -#}
{% macro history_text(value) -%}
    {{ return('cast(null as ' ~ dbt.type_string() ~ ')' if value is none else sql_string_literal(value | string)) }}
{%- endmacro %}

{% macro history_timestamp(value) -%}
    {{ return('cast(null as ' ~ dbt.type_timestamp() ~ ')' if value is none
        else 'cast(' ~ sql_string_literal(value | string) ~ ' as ' ~ dbt.type_timestamp() ~ ')') }}
{%- endmacro %}

{#- Replaces every row of `relation` with the rows of `select_sql` (which must not read
    `relation`), all or nothing. -#}
{% macro history_replace_rows(relation, select_sql) -%}
    {{ return(adapter.dispatch('history_replace_rows', 'activation_warehouse')(relation, select_sql)) }}
{%- endmacro %}

{% macro default__history_replace_rows(relation, select_sql) -%}
    {%- do history_execute(['delete from ' ~ relation, 'insert into ' ~ relation ~ ' ' ~ select_sql]) -%}
{%- endmacro %}

{#- Parquet tables take no delete: the table is overwritten. -#}
{% macro spark__history_replace_rows(relation, select_sql) -%}
    {%- do history_execute(['insert overwrite table ' ~ relation ~ ' ' ~ select_sql]) -%}
{%- endmacro %}

{#- Keeps only the rows of `relation` meeting `condition` (an SQL predicate). -#}
{% macro history_keep_rows(relation, condition) -%}
    {{ return(adapter.dispatch('history_keep_rows', 'activation_warehouse')(relation, condition)) }}
{%- endmacro %}

{% macro default__history_keep_rows(relation, condition) -%}
    {%- do history_execute(['delete from ' ~ relation ~ ' where not (' ~ condition ~ ')']) -%}
{%- endmacro %}

{#- Spark refuses to overwrite a table the same statement reads, so the rows kept go
    through a copy that is dropped afterwards. -#}
{% macro spark__history_keep_rows(relation, condition) -%}
    {%- set copy = relation.incorporate(path={'identifier': relation.identifier ~ '__kept'}) -%}
    {%- do history_execute([
        'drop table if exists ' ~ copy,
        'create table ' ~ copy ~ ' using parquet as select * from ' ~ relation ~ ' where ' ~ condition,
        'insert overwrite table ' ~ relation ~ ' select * from ' ~ copy,
        'drop table if exists ' ~ copy,
    ]) -%}
{%- endmacro %}
