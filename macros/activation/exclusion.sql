{#- Test and internal traffic, one rule for every model (models/_definitions.md,
    "excluded_from_metrics"): a person is kept out of every metric when they are the
    vendor's own staff (`raw.users.is_internal`) or when the account they belong to
    (`raw.users.account_id`, the spec's "a user belongs to") is a test account
    (`raw.accounts.is_test`); null means false. Everything a person does follows the
    person: their events and sessions are excluded exactly when they are, whatever account
    id an event carries. An event with no known user is judged by its own account.
    `is_internal` and `account_is_test` are the person's flags (null when unknown). -#}
{% macro is_excluded_from_metrics(is_internal, account_is_test) -%}
    (coalesce({{ is_internal }}, false) or coalesce({{ account_is_test }}, false))
{%- endmacro %}
