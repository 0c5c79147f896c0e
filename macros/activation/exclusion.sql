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

{#- Every person (the CTE or relation `users`, with user_id, account_id, is_internal)
    with whether they are kept out of the metrics, judged on the account they belong to
    (`accounts`, with account_id, is_test): the people table the event models join each
    event to. One select, so int_events__resolved and the restatement it reads
    (int_events__restated) can never judge a person two ways. -#}
{% macro people_with_exclusion(users, accounts) -%}
    select
        {{ users }}.user_id,
        {{ users }}.account_id,
        {{ users }}.is_internal,
        {{ is_excluded_from_metrics(users ~ '.is_internal', accounts ~ '.is_test') }} as is_excluded_from_metrics
    from {{ users }}
    left join {{ accounts }}
        on {{ users }}.account_id = {{ accounts }}.account_id
{%- endmacro %}
