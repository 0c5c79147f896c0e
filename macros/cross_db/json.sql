{#- JSON handling differs by engine, and DuckDB's extractors raise on text that is not
    JSON: every model reads properties through these guarded macros. -#}

{#- The text itself when it is a JSON object, else null (invalid JSON, `null`, arrays,
    scalars). Nested CASE, not AND, so the type check never sees invalid JSON. -#}
{% macro json_object_or_null(text) -%}
    {{ return(adapter.dispatch('json_object_or_null', 'activation_warehouse')(text)) }}
{%- endmacro %}

{% macro duckdb__json_object_or_null(text) -%}
    case when json_valid({{ text }}) then
        case when json_type({{ text }}) = 'OBJECT' then {{ text }} end
    end
{%- endmacro %}

{#- One top-level property of a JSON object as text (objects and arrays as JSON text). The
    input must already be a JSON object or null (see json_object_or_null). -#}
{% macro json_property(json_object, key) -%}
    {{ return(adapter.dispatch('json_property', 'activation_warehouse')(json_object, key)) }}
{%- endmacro %}

{% macro duckdb__json_property(json_object, key) -%}
    json_extract_string({{ json_object }}, '$."{{ key }}"')
{%- endmacro %}

{#- Whether a JSON object has a key with a non-null value. -#}
{% macro json_has_property(json_object, key) -%}
    ({{ json_property(json_object, key) }} is not null)
{%- endmacro %}
