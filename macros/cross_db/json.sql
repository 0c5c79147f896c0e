{#- JSON handling differs by engine, and DuckDB's extractors raise on text that is not
    JSON: every model reads properties through these guarded macros. -#}

{#- The text itself when it is a JSON object, else null (invalid JSON, `null`, arrays,
    scalars). Nested CASE, not AND, so the type check never sees invalid JSON. Invalid
    JSON is what RFC 8259 refuses, whichever extensions an engine's parser allows. -#}
{% macro json_object_or_null(text) -%}
    {{ return(adapter.dispatch('json_object_or_null', 'activation_warehouse')(text)) }}
{%- endmacro %}

{#- DuckDB's json_valid is lenient: it takes NaN and Infinity (any case, `nan`, `-inf`)
    as numbers and trailing commas (`{"a": 1,}`, `[1,]`). Outside string literals valid
    JSON has no `nan` or `inf` (its only words are true, false and null) and no comma
    before a closing bracket, so those are looked for with the strings blanked out; the
    blanking (a regexp_replace, ten times the cost of the check) runs only on the rare
    objects where the whole text has one of them. -#}
{% macro duckdb__json_object_or_null(text) -%}
    case when json_valid({{ text }}) then
        case when json_type({{ text }}) = 'OBJECT' then
            case
                when not regexp_matches({{ text }}, {{ _duckdb_json_extensions() }}) then {{ text }}
                when not regexp_matches(
                    regexp_replace({{ text }}, '"([^"\\]|\\.)*"', '""', 'g'), {{ _duckdb_json_extensions() }}
                ) then {{ text }}
            end
        end
    end
{%- endmacro %}

{#- What DuckDB's parser accepts beyond JSON, as a regex literal (the macro's text is not
    a Jinja string, so its backslashes reach the regex as written). -#}
{% macro _duckdb_json_extensions() -%}
    '[nN][aA][nN]|[iI][nN][fF]|,[ \t\n\r]*[\]}]'
{%- endmacro %}

{#- PostgreSQL 15 has no `is json` and its cast raises: a function that catches the error
    (created by create_engine_functions at the start of every run). -#}
{% macro postgres__json_object_or_null(text) -%}
    case when {{ target.schema }}.json_object_or_null({{ text }}) is not null then {{ text }} end
{%- endmacro %}

{#- Spark's JSON readers are lenient: json_object_keys takes single-quoted strings and
    ignores text after the object, and from_json takes NaN and Infinity by default.
    from_json with allowSingleQuotes and allowNonNumericNumbers off is null for invalid
    JSON and anything but an object, and the text must end with the object's brace
    (trailing whitespace allowed). -#}
{% macro spark__json_object_or_null(text) -%}
    case
        when from_json(
            {{ text }}, 'map<string,string>', map('allowSingleQuotes', 'false', 'allowNonNumericNumbers', 'false')
        ) is not null
            and {{ regex_full_match(text, '[\\s\\S]*\\}\\s*') }}
            then {{ text }}
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

{% macro postgres__json_property(json_object, key) -%}
    (cast({{ json_object }} as jsonb) ->> '{{ key }}')
{%- endmacro %}

{% macro spark__json_property(json_object, key) -%}
    get_json_object({{ json_object }}, '$.{{ key }}')
{%- endmacro %}

{#- The same, for a key that is data (a column or expression holding the property name),
    so a key read from a seed is passed as a value and never becomes SQL text. -#}
{% macro json_property_named_by(json_object, key_expression) -%}
    {{ return(adapter.dispatch('json_property_named_by', 'activation_warehouse')(json_object, key_expression)) }}
{%- endmacro %}

{#- A JSON pointer (RFC 6901: '~' is written '~0', '/' is '~1'), not a '$."key"' path: a
    key holding a double quote broke the path and failed the build (a seed edit away). -#}
{% macro duckdb__json_property_named_by(json_object, key_expression) -%}
    json_extract_string(
        {{ json_object }}, '/' || replace(replace({{ key_expression }}, '~', '~0'), '/', '~1')
    )
{%- endmacro %}

{% macro postgres__json_property_named_by(json_object, key_expression) -%}
    (cast({{ json_object }} as jsonb) ->> {{ key_expression }})
{%- endmacro %}

{#- A map lookup, not a '$.key' path: a key holding '.', '[' or a quote would have been
    read as path syntax. Spark renders any JSON value asked for as a string as its text;
    try_element_at is null for an absent key even in ANSI mode. -#}
{% macro spark__json_property_named_by(json_object, key_expression) -%}
    try_element_at(from_json({{ json_object }}, 'map<string, string>'), {{ key_expression }})
{%- endmacro %}

{#- Whether a JSON object has a key with a non-null value. -#}
{% macro json_has_property(json_object, key) -%}
    ({{ json_property(json_object, key) }} is not null)
{%- endmacro %}

{#- A JSON object as text built from columns: `keys_and_columns` is a list of
    (key, column expression) pairs, keys written as string literals (data, never SQL);
    no pairs give '{}'. Null values stay JSON null on DuckDB and PostgreSQL (Spark's to_json
    leaves them out), which json_property reads as null either way. -#}
{% macro json_object_text(keys_and_columns) -%}
    {%- if not keys_and_columns -%}{{ return("'{}'") }}{%- endif -%}
    {{ return(adapter.dispatch('json_object_text', 'activation_warehouse')(keys_and_columns)) }}
{%- endmacro %}

{% macro duckdb__json_object_text(keys_and_columns) -%}
    cast(json_object(
        {%- for key, column in keys_and_columns %}{{ sql_string_literal(key) }}, {{ column }}{{ ", " if not loop.last }}{% endfor -%}
    ) as {{ dbt.type_string() }})
{%- endmacro %}

{#- json_build_object takes at most 100 arguments, so objects are built 50 keys at a time
    and joined as jsonb. -#}
{% macro postgres__json_object_text(keys_and_columns) -%}
    cast(
        {%- for batch in keys_and_columns | batch(50) %}
            jsonb_build_object(
                {%- for key, column in batch %}{{ sql_string_literal(key) }}, {{ column }}{{ ", " if not loop.last }}{% endfor -%}
            ){{ " || " if not loop.last }}
        {%- endfor %}
    as text)
{%- endmacro %}

{% macro spark__json_object_text(keys_and_columns) -%}
    to_json(named_struct(
        {%- for key, column in keys_and_columns %}{{ sql_string_literal(key) }}, {{ column }}{{ ", " if not loop.last }}{% endfor -%}
    ))
{%- endmacro %}
