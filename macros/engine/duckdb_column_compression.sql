{#- A column's compression chosen by the model, on DuckDB: config column_compression, a
    mapping of column name to one of DuckDB's methods, e.g. {'event_id': 'zstd'}.

    DuckDB picks a compression per column segment as it writes, and for strings it picks
    DICT_FSST (a dictionary of FSST-compressed strings). For a column whose every value is
    a different high-entropy string, an event_id, that choice costs the most of any
    column and saves the least: at 10M short-journey events, writing
    int_events__resolved with event_id in zstd took 13.2-13.3 CPU-seconds against
    15.0-16.5, and the table was 0.35 GB against 0.54 GB (a dictionary of ten million
    distinct values compresses nothing); reading every id back cost the same
    (docs/performance-log.md, "Fourth session of 2026-12-06"). Every other string column keeps
    DuckDB's choice: zstd for all of them (DuckDB's force_compression) made the whole
    build no faster, and its file larger.

    A method can only be named in the CREATE TABLE's column list, so a model that sets it
    is created by a column list (from DuckDB's DESCRIBE of its query, which binds the
    query without running it) and one INSERT, in place of CREATE TABLE AS; an incremental
    run's inserts keep the method, which belongs to the table. A model with an enforced
    contract already lists its columns: macro duckdb__get_table_columns_and_constraints
    adds the method there, and a column named that the contract does not list stops the
    model as on the other path. Other engines ignore the config. -#}
{% macro column_compression() -%}
    {%- set compression = config.get('column_compression') or {} -%}
    {%- for column, method in compression.items() -%}
        {%- if method not in ['zstd', 'uncompressed', 'dict_fsst'] -%}
            {{ exceptions.raise_compiler_error(
                "Model " ~ model.name ~ ": column_compression names '" ~ method ~ "' for column " ~ column
                ~ "; use zstd, uncompressed or dict_fsst (macros/engine/duckdb_column_compression.sql)."
            ) }}
        {%- endif -%}
    {%- endfor -%}
    {{- return(compression) -}}
{%- endmacro %}


{#- CREATE TABLE with the column list of the query's result, each column named in
    `compression` stored with its method, then one INSERT of the query's rows. A column
    named that the query does not return is an error, not a silent default. -#}
{% macro duckdb_create_table_with_column_compression(relation, compiled_code, compression) -%}
    {%- set described = run_query('describe select * from (' ~ compiled_code ~ ') as model_subq') -%}
    {%- do column_compression_columns_returned(compression, described.columns[0].values() | list, 'it returns') -%}
    {%- set sql_header = config.get('sql_header', none) -%}
    {{ sql_header if sql_header is not none }}
    create table {{ relation }} (
        {%- for row in described.rows %}
        {{ adapter.quote(row[0]) }} {{ row[1] }}
        {%- if row[0] in compression %} using compression {{ compression[row[0]] }}{% endif -%}
        {{- ',' if not loop.last }}
        {%- endfor %}
    );
    insert into {{ relation }}
    select * from (
        {{ compiled_code }}
    ) as model_subq;
{%- endmacro %}


{#- Stops the model when `compression` names a column not among `columns` (what the model
    returns, as `described` says: 'it returns' or 'its contract lists'), on either path
    that creates the table. -#}
{% macro column_compression_columns_returned(compression, columns, described) -%}
    {%- for column in compression if column not in columns -%}
        {{ exceptions.raise_compiler_error(
            "Model " ~ model.name ~ ": column_compression names column " ~ column
            ~ ", which the model does not return (" ~ described ~ " " ~ (columns | join(', ')) ~ ")."
        ) }}
    {%- endfor -%}
{%- endmacro %}
