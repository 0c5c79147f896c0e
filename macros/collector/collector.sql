{#- Events from a collector (docs/pipelines.md, "Plugging in your pipeline"). The setting
    event_collector says where the events come from: `raw` (the default) reads the raw
    contract's events table; `segment` or `rudderstack` read the collector's tables, mapped
    onto the same contract by the staging model stg_segment__tracks, so everything from
    stg_tracker__events on is the same code whichever pipeline lands the events. -#}

{#- The collector in force, checked against the registry's choices (lower case). -#}
{% macro event_collector() -%}
    {{ return(setting('event_collector')) }}
{%- endmacro %}

{% macro collector_is_chosen() -%}
    {{ return(event_collector() != 'raw') }}
{%- endmacro %}

{#- The relation holding one row per delivered event in the raw contract's shape (event_id,
    event_name, user_id, anonymous_id, account_id, occurred_at as ISO-8601 text, received_at,
    properties as JSON text): raw.events, or the collector's mapped tracks. The staging
    model and the data tests that count raw rows all read it, so they agree on what "every
    raw event" is. -#}
{% macro event_rows() -%}
    {%- if collector_is_chosen() -%}
        {{ return(ref('stg_segment__tracks')) }}
    {%- endif -%}
    {{ return(source('tracker', 'events')) }}
{%- endmacro %}

{#- Whether a collector column is one of the standard columns every message has (ids,
    times, the event's name, the context_* columns of the library, device and page), which
    are not properties. Segment and RudderStack share these; `channel` is RudderStack's
    (web, server, mobile, sources), `loaded_at` a column both write on some warehouses. -#}
{% macro collector_standard_column(name) -%}
    {%- set name = name | lower -%}
    {%- set standard = [
        'id', 'event', 'event_text', 'user_id', 'anonymous_id', 'timestamp', 'original_timestamp',
        'sent_at', 'received_at', 'uuid_ts', 'loaded_at', 'channel',
    ] -%}
    {{ return(name in standard or name.startswith('context_')) }}
{%- endmacro %}

{#- The tables a collector writes that are not one table per tracked event (Segment's and
    RudderStack's documented tables, RudderStack's table of rejected values). -#}
{% macro collector_call_tables() -%}
    {{ return(['tracks', 'identifies', 'users', 'groups', 'accounts', 'pages', 'screens', 'aliases', 'rudder_discards']) }}
{%- endmacro %}

{#- Every per-event table in the collector's schema, with its property columns, found at
    compile time: a table of the schema that is not one of the call tables and has an `id`
    and an `event` column (the pages, screens and groups tables have no `event`). Returns a
    list of {relation, properties}; empty at parse time, when nothing is queried. -#}
{% macro collector_event_tables(tracks) -%}
    {%- if not execute -%}{{ return([]) }}{%- endif -%}
    {%- set schema_relation = api.Relation.create(database=tracks.database, schema=tracks.schema) -%}
    {%- set found = [] -%}
    {%- for row in dbt.list_relations_without_caching(schema_relation) | sort(attribute='name') -%}
        {%- if (row['name'] | lower) not in collector_call_tables() -%}
            {%- set relation = api.Relation.create(database=tracks.database, schema=tracks.schema, identifier=row['name']) -%}
            {%- set columns = adapter.get_columns_in_relation(relation) -%}
            {%- set names = columns | map(attribute='name') | map('lower') | list -%}
            {%- if 'id' in names and 'event' in names and 'received_at' in names -%}
                {%- set properties = [] -%}
                {%- for column in columns if not collector_standard_column(column.name) -%}
                    {%- do properties.append(column.name) -%}
                {%- endfor -%}
                {%- do found.append({'relation': relation, 'properties': properties}) -%}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(found) }}
{%- endmacro %}

{#- Whether the collector's tracks table has a column (an optional one, e.g.
    context_group_id); false at parse time. -#}
{% macro collector_has_column(relation, column_name) -%}
    {%- if not execute -%}{{ return(false) }}{%- endif -%}
    {%- for column in adapter.get_columns_in_relation(relation) if (column.name | lower) == column_name -%}
        {{ return(true) }}
    {%- endfor -%}
    {{ return(false) }}
{%- endmacro %}
