{#- Runs at the start of every dbt invocation (on-run-start), after validate_vars. Checks
    that each raw table of the contract exists with every column it promises, in a type of
    the promised family, so schema drift stops the build with one message naming the
    table, the column and what was expected, instead of a SQL error three models later.
    The expected columns are read from the source definitions (raw_contract_sources: the
    tracker's and the app's _sources.yml in models/staging/, each column's data_type),
    the one place the models' view of the contract lives. Extra raw columns are fine:
    staging selects the columns it reads by name. With a collector (event_collector
    segment or rudderstack) its tracks table is checked in place of raw.events. -#}

{#- The family of an engine's column type: text, integer, boolean, timestamp, or the type
    itself (lower case) when it belongs to none. DuckDB, PostgreSQL and Spark spell them
    differently; a time zone-aware timestamp is not a timestamp here, because every model
    reads raw times as UTC wall clocks. -#}
{% macro raw_type_family(data_type) -%}
    {%- set name = modules.re.sub('\\s*\\(.*\\)$', '', data_type | string | trim | lower) -%}
    {%- set families = {
        'text': ['varchar', 'text', 'string', 'character varying', 'character', 'char', 'bpchar', 'nvarchar'],
        'integer': ['tinyint', 'smallint', 'integer', 'int', 'bigint', 'hugeint', 'int1', 'int2', 'int4', 'int8',
                    'utinyint', 'usmallint', 'uinteger', 'ubigint', 'uhugeint', 'byte', 'short', 'long'],
        'boolean': ['boolean', 'bool'],
        'timestamp': ['timestamp', 'timestamp without time zone', 'datetime', 'timestamp_ntz'],
    } -%}
    {%- for family, names in families.items() -%}
        {%- if name in names -%}{{ return(family) }}{%- endif -%}
    {%- endfor -%}
    {{ return(name) }}
{%- endmacro %}

{% macro validate_raw_contract() -%}
    {%- if execute -%}
        {%- set problems = [] -%}
        {#- With a collector chosen (event_collector), raw.events is disabled and the
            collector's source (models/staging/segment) enabled, so the enabled sources of
            the two are exactly the tables this build reads: the events from one, the
            application tables from raw. -#}
        {%- set sources = graph.sources.values() | selectattr('source_name', 'in', raw_contract_sources() + ['segment'])
            | sort(attribute='unique_id') -%}
        {%- for source_table in sources -%}
            {%- set label = source_table.schema ~ '.' ~ source_table.identifier -%}
            {%- set relation = adapter.get_relation(
                database=source_table.database, schema=source_table.schema, identifier=source_table.identifier
            ) -%}
            {%- if relation is none -%}
                {%- do problems.append(label ~ ': the table does not exist (expected columns '
                    ~ (source_table.columns.keys() | join(', ')) ~ ')') -%}
            {%- else -%}
                {%- set found = {} -%}
                {%- for column in adapter.get_columns_in_relation(relation) -%}
                    {%- do found.update({column.name | lower: column.dtype}) -%}
                {%- endfor -%}
                {%- for name, column in source_table.columns.items() -%}
                    {%- set expected = column.data_type | lower -%}
                    {%- if name | lower not in found -%}
                        {%- do problems.append(label ~ ': missing column ' ~ name ~ ' (expected ' ~ expected ~ ')') -%}
                    {%- elif raw_type_family(found[name | lower]) != expected -%}
                        {%- do problems.append(label ~ '.' ~ name ~ ': found type ' ~ found[name | lower]
                            ~ ', expected ' ~ expected) -%}
                    {%- endif -%}
                {%- endfor -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if problems -%}
            {{ exceptions.raise_compiler_error(
                "The raw tables do not meet the raw data contract (models/staging/*/_*__sources.yml;"
                ~ " README, \"Loading your own data\"), so nothing was built:\n  - "
                ~ (problems | join('\n  - '))
            ) }}
        {%- endif -%}
    {%- endif -%}
    select 1 as raw_contract_is_met
{%- endmacro %}
