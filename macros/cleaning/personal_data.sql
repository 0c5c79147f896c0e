{#- Personal data stops in staging (README, "Personal data"). The contract's one personal
    field, raw.users.email, is never selected. But trackers and people put email addresses
    anywhere: an invitee's address in an event's properties, a page path, an out-of-plan
    event name, an id that is an address. Every text column a staging model passes on goes
    through one of the two macros below, so no model past staging can hold one. -#}

{#- An email address: local part, '@', a domain with a dot and a top-level name. Written
    without backslashes (`[.]`), so it reaches every engine's regex unchanged. -#}
{% macro email_pattern() -%}
    [A-Za-z0-9._+-]+@[A-Za-z0-9-]+([.][A-Za-z0-9-]+)*[.][A-Za-z]{2,}
{%- endmacro %}

{#- Free text (a name, a path, JSON): each address is replaced by a marker with no '@'.
    Inside JSON text the pattern can match neither a quote nor a backslash, so valid JSON
    stays valid. The cheap '@' test keeps the regex off the many values without one. -#}
{% macro redact_emails(text) -%}
    case
        when {{ dbt.position("'@'", text) }} > 0
            then {{ regex_replace_all(text, email_pattern(), '[redacted email]') }}
        else {{ text }}
    end
{%- endmacro %}

{#- An identifier holding an address becomes a pseudonym, the same for the same text, so
    every join on it (events to users, users to exposures) still holds and distinct ids
    stay distinct. Any other id is kept exactly as sent. -#}
{% macro pseudonymize_emails(id) -%}
    case
        when {{ dbt.position("'@'", id) }} > 0
            and {{ regex_replace_all(id, email_pattern(), '') }} != {{ id }}
            then {{ dbt.concat(["'redacted_email_'", dbt.hash(id)]) }}
        else {{ id }}
    end
{%- endmacro %}
