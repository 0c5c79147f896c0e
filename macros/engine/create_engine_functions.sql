{#- Functions an engine lacks, created at the start of every run (on-run-start) in the
    target schema. Only PostgreSQL needs one: a JSON check that returns null instead of
    raising, which 15 has no built-in for (`is json` arrived in 16). -#}
{% macro create_engine_functions() -%}
    {{ return(adapter.dispatch('create_engine_functions', 'activation_warehouse')()) }}
{%- endmacro %}

{% macro default__create_engine_functions() -%}
    select 1 as nothing_to_create
{%- endmacro %}

{% macro postgres__create_engine_functions() -%}
    create schema if not exists {{ target.schema }};
    create or replace function {{ target.schema }}.json_object_or_null(raw_text text)
    returns jsonb
    language plpgsql
    immutable
    -- An exception block opens a subtransaction, which parallel workers cannot.
    parallel unsafe
    as $body$
    declare
        parsed jsonb;
    begin
        parsed := raw_text::jsonb;
        return case when jsonb_typeof(parsed) = 'object' then parsed end;
    exception
        when others then return null;
    end;
    $body$
{%- endmacro %}
