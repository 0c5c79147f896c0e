{#- The one parser of client event times, for every model and engine.

    Valid: `YYYY-MM-DDTHH:MM:SS[.f{1,6}](Z|±HH:MM)`, offset within ±14:00, a real instant
    (year 0001 or later, month 01-12, a day that exists in that month, hour 00-23, seconds
    00-59). The result is the UTC `timestamp`; anything else is null. The shape is checked
    by one regular expression before anything else reads the text, because engines' own
    casts silently drop offsets, accept words such as `epoch`, `infinity` or `yesterday`,
    or raise on `2026-02-30`. -#}

{% macro parse_iso8601_utc(text) -%}
    {{ return(adapter.dispatch('parse_iso8601_utc', 'activation_warehouse')(text)) }}
{%- endmacro %}

{#- PostgreSQL (and any engine without its own version): the calendar is checked in plain
    SQL, then the local part is cast and the offset subtracted. -#}
{% macro default__parse_iso8601_utc(text) -%}
    case
        when {{ iso8601_is_valid(text) }} then
            {{ dbt.dateadd(
                'minute',
                '-(' ~ iso8601_offset_minutes(text) ~ ')',
                'cast(replace(' ~ iso8601_local_part(text) ~ ", 'T', ' ') as " ~ dbt.type_timestamp() ~ ')'
            ) }}
    end
{%- endmacro %}

{#- DuckDB: the same regular expression, then DuckDB's own cast to an instant, which applies
    the offset and refuses days a month lacks (`try_cast` gives null on 2026-02-30), read
    back as UTC through its microseconds since 1970 (no time-zone setting or extension
    involved). The shape is checked first, as on Spark (iso8601_has_valid_shape). The
    default's calendar arithmetic took 2.5-3.0 s per 10M event times on this machine, this
    1.0-1.2 s, with the same answer on all 9.9M of the benchmark's and on every edge of the
    hostile-input test (docs/performance.md). -#}
{% macro duckdb__parse_iso8601_utc(text) -%}
    case
        when {{ iso8601_has_valid_shape(text) }}
            then make_timestamp(epoch_us(try_cast({{ text }} as timestamptz)))
    end
{%- endmacro %}

{#- Spark: the same regular expression, then Spark's own parser with the one pattern it
    leaves, which applies the offset and refuses days a month lacks (its resolver is strict:
    2026-02-29 and 2026-04-31 give null). The default's nested CASEs, repeated casts and
    offset arithmetic cost Spark about 20 s of analysis in every model and test that reads
    stg_tracker__events. Two edges the parser alone would let through are closed here:
    year 0000 (the parser reads it as 1 BC) and a trailing newline (Java's `$` matches
    before one; the parser then refuses the leftover character). `try_to_timestamp` gives
    null, never an error, on text it refuses; the `CORRECTED` time parser policy of
    profiles.yml keeps Spark 3 from raising where its old parser would have accepted it. -#}
{% macro spark__parse_iso8601_utc(text) -%}
    case
        when {{ iso8601_has_valid_shape(text) }}
            then try_to_timestamp(replace({{ text }}, 'T', ' '), 'yyyy-MM-dd HH:mm:ss[.SSSSSS]XXX')
    end
{%- endmacro %}

{#- The text has the one accepted shape (iso8601_pattern) and a year from 0001: checked
    before an engine's own parser reads it (DuckDB's and Spark's read year 0000 as 1 BC).
    The engine's parser then checks the calendar. -#}
{% macro iso8601_has_valid_shape(text) -%}
    ({{ regex_full_match(text, iso8601_pattern()) }} and substr({{ text }}, 1, 4) != '0000')
{%- endmacro %}

{% macro iso8601_is_valid(text) -%}
    {%- set year = "cast(substr(" ~ text ~ ", 1, 4) as integer)" -%}
    {%- set month = "cast(substr(" ~ text ~ ", 6, 2) as integer)" -%}
    {%- set day = "cast(substr(" ~ text ~ ", 9, 2) as integer)" -%}
    (case
        when {{ regex_full_match(text, iso8601_pattern()) }} then
            {{ year }} >= 1
            and {{ day }} <= case
                when {{ month }} = 2 then
                    case
                        when mod({{ year }}, 4) = 0
                            and (mod({{ year }}, 100) != 0 or mod({{ year }}, 400) = 0)
                            then 29
                        else 28
                    end
                when {{ month }} in (4, 6, 9, 11) then 30
                else 31
            end
        else false
    end)
{%- endmacro %}

{% macro iso8601_pattern() -%}
[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,6})?(Z|[+-]((0[0-9]|1[0-3]):[0-5][0-9]|14:00))
{%- endmacro %}

{#- Offset of an already-valid ISO-8601 text, in minutes east of UTC ('Z' is 0). -#}
{% macro iso8601_offset_minutes(text) -%}
    case
        when substr({{ text }}, length({{ text }}), 1) = 'Z' then 0
        else
            (case when substr({{ text }}, length({{ text }}) - 5, 1) = '-' then -1 else 1 end)
            * (cast(substr({{ text }}, length({{ text }}) - 4, 2) as integer) * 60
                + cast(substr({{ text }}, length({{ text }}) - 1, 2) as integer))
    end
{%- endmacro %}

{#- The local wall-clock part (date, time and fraction) of an already-valid text. -#}
{% macro iso8601_local_part(text) -%}
    substr(
        {{ text }}, 1,
        length({{ text }}) - case when substr({{ text }}, length({{ text }}), 1) = 'Z' then 1 else 6 end
    )
{%- endmacro %}
