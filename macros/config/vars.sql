{#- The type checks behind setting() (macros/config/settings.sql). A var is never pasted into
    SQL unchecked: each check refuses a value of the wrong type or out of range with a
    message naming the var, at compile time, so a bad definition stops the build before any
    model runs. Bounds come from the settings registry, never from a caller. -#}

{% macro _var_error(name, value, expected) -%}
    {{ exceptions.raise_compiler_error(
        "Invalid var '" ~ name ~ "': got " ~ (value | string | tojson) ~ ", expected " ~ expected ~ "."
    ) }}
{%- endmacro %}

{% macro _integer_value(name, value, min=none, max=none) -%}
    {%- set text = value | string | trim -%}
    {%- if value is boolean or not modules.re.fullmatch('-?[0-9]+', text) -%}
        {{ _var_error(name, value, 'an integer') }}
    {%- endif -%}
    {%- set number = text | int -%}
    {%- if (min is not none and number < min) or (max is not none and number > max) -%}
        {{ _var_error(name, value, 'an integer between ' ~ (min if min is not none else '-inf') ~ ' and ' ~ (max if max is not none else 'inf')) }}
    {%- endif -%}
    {{ return(number) }}
{%- endmacro %}

{% macro _number_value(name, value, min=none, max=none) -%}
    {%- set text = value | string | trim -%}
    {%- if value is boolean or not modules.re.fullmatch('-?[0-9]+(\.[0-9]+)?', text) -%}
        {{ _var_error(name, value, 'a number') }}
    {%- endif -%}
    {%- set number = text | float -%}
    {%- if (min is not none and number < min) or (max is not none and number > max) -%}
        {{ _var_error(name, value, 'a number between ' ~ (min if min is not none else '-inf') ~ ' and ' ~ (max if max is not none else 'inf')) }}
    {%- endif -%}
    {{ return(number) }}
{%- endmacro %}

{#- A date, returned as 'YYYY-MM-DD' text only once it is a real calendar date. -#}
{% macro _date_value(name, value) -%}
    {%- set value = value | string | trim -%}
    {%- if not modules.re.fullmatch('[0-9]{4}-[0-9]{2}-[0-9]{2}', value) -%}
        {{ _var_error(name, value, 'a date as YYYY-MM-DD') }}
    {%- endif -%}
    {%- set ns = namespace(ok=true) -%}
    {%- set year, month, day = value.split('-') | map('int') | list -%}
    {%- set leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) -%}
    {%- set month_days = [31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] -%}
    {%- if year < 1 or month < 1 or month > 12 or day < 1 or day > month_days[month - 1] -%}
        {%- set ns.ok = false -%}
    {%- endif -%}
    {%- if not ns.ok -%}
        {{ _var_error(name, value, 'a real calendar date as YYYY-MM-DD') }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}

{#- A SQL identifier (a schema name): letters, digits and underscores only; one of
    `choices` when the registry lists them (a collector name), compared in lower case. -#}
{% macro _identifier_value(name, value, choices=none) -%}
    {%- set value = value | string | trim -%}
    {%- if not modules.re.fullmatch('[A-Za-z_][A-Za-z0-9_]*', value) -%}
        {{ _var_error(name, value, 'an identifier (letters, digits, underscores)') }}
    {%- endif -%}
    {%- if choices -%}
        {%- set value = value | lower -%}
        {%- if value not in choices -%}
            {{ _var_error(name, value, 'one of ' ~ (choices | join(', '))) }}
        {%- endif -%}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}

{#- An optional point in time: null, a date ('YYYY-MM-DD', meaning 00:00 UTC) or a
    date-time ('YYYY-MM-DD HH:MM:SS' or with 'T'), returned as 'YYYY-MM-DD HH:MM:SS' text,
    or none when unset. -#}
{% macro _optional_timestamp_value(name, value) -%}
    {%- if value is none or (value | string | trim | lower) in ('', 'none', 'null') -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set text = value | string | trim -%}
    {%- set match = modules.re.fullmatch('([0-9]{4}-[0-9]{2}-[0-9]{2})(?:[T ]([01][0-9]|2[0-3]):([0-5][0-9]):([0-5][0-9]))?', text) -%}
    {%- if not match -%}
        {{ _var_error(name, value, 'null, a date YYYY-MM-DD or a time YYYY-MM-DD HH:MM:SS (UTC)') }}
    {%- endif -%}
    {%- set date_text = match.group(1) -%}
    {%- set year, month, day = date_text.split('-') | map('int') | list -%}
    {%- set leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) -%}
    {%- set month_days = [31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] -%}
    {%- if year < 1 or month < 1 or month > 12 or day < 1 or day > month_days[month - 1] -%}
        {{ _var_error(name, value, 'a real calendar date') }}
    {%- endif -%}
    {%- if match.group(2) -%}
        {{ return(date_text ~ ' ' ~ match.group(2) ~ ':' ~ match.group(3) ~ ':' ~ match.group(4)) }}
    {%- else -%}
        {{ return(date_text ~ ' 00:00:00') }}
    {%- endif -%}
{%- endmacro %}

{#- A short, non-empty text (a label), returned as it is; setting() quotes it as a SQL
    literal (sql_string_literal) so even a hostile value stays data. -#}
{% macro _text_value(name, value) -%}
    {%- if value is none or value is boolean or value is number or (value | string | trim) == '' -%}
        {{ _var_error(name, value, 'a non-empty text') }}
    {%- endif -%}
    {{ return(value | string) }}
{%- endmacro %}
