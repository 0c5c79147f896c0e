-- The decision, in one row: is the drop after connecting a data source big enough to be
-- worth a quarter of engineering work? Over mature, in-scope, connected users, the
-- post-connection drop rate (dropped / connected) and its Wilson 95% interval decide:
-- `invest` when the whole interval lies above the var invest_threshold, `defer` when it
-- lies below the var defer_threshold, otherwise `investigate` (the interval spans a
-- threshold or sits between them, or there are fewer than var min_decision_users users).
-- Always exactly one row, even with no users (then `investigate` and a null rate).

{%- set invest_threshold = setting('invest_threshold') %}
{%- set defer_threshold = setting('defer_threshold') %}
{%- set min_decision_users = setting('min_decision_users') %}
{%- set invest_text = '%g' | format(invest_threshold * 100) ~ '%' %}
{%- set defer_text = '%g' | format(defer_threshold * 100) ~ '%' %}

with

users as (
    select * from {{ ref('fct_user_activation') }}
),

as_of as (
    select as_of from {{ ref('int_as_of') }}
),

decision_users as (
    select
        user_id,
        dropped_after_connection
    from users
    where
        is_mature
        and is_in_scope
        and is_connected
),

counted as (
    select
        count(*) as mature_connected_users,
        sum(case when dropped_after_connection then 1 else 0 end) as dropped_users
    from decision_users
),

rated as (
    select
        mature_connected_users,
        coalesce(dropped_users, 0) as dropped_users,
        {{ stat_to_double('dropped_users') }}
        / nullif({{ stat_to_double('mature_connected_users') }}, 0) as post_connection_drop_rate,
        {{ wilson_interval_low('dropped_users', 'mature_connected_users') }} as drop_rate_ci_low,
        {{ wilson_interval_high('dropped_users', 'mature_connected_users') }} as drop_rate_ci_high
    from counted
),

judged as (
    select
        mature_connected_users,
        dropped_users,
        post_connection_drop_rate,
        drop_rate_ci_low,
        drop_rate_ci_high,
        case
            when mature_connected_users < {{ min_decision_users }} then 'too_few_users'
            when drop_rate_ci_low > {{ invest_threshold }} then 'above_invest'
            when drop_rate_ci_high < {{ defer_threshold }} then 'below_defer'
            when
                drop_rate_ci_low <= {{ defer_threshold }}
                and drop_rate_ci_high >= {{ invest_threshold }}
                then 'spans_both'
            when drop_rate_ci_high >= {{ invest_threshold }} then 'spans_invest'
            when drop_rate_ci_low <= {{ defer_threshold }} then 'spans_defer'
            else 'between'
        end as reason_code
    from rated
),

-- Percentages as text with one decimal, the same on every engine (a decimal cast
-- rounds; round() on a double is not portable).
formatted as (
    select
        mature_connected_users,
        dropped_users,
        post_connection_drop_rate,
        drop_rate_ci_low,
        drop_rate_ci_high,
        reason_code,
        cast(mature_connected_users as {{ dbt.type_string() }}) as users_text,
        cast(cast(100.0 * post_connection_drop_rate as decimal(6, 1)) as {{ dbt.type_string() }}) as rate_text,
        cast(cast(100.0 * drop_rate_ci_low as decimal(6, 1)) as {{ dbt.type_string() }}) as ci_low_text,
        cast(cast(100.0 * drop_rate_ci_high as decimal(6, 1)) as {{ dbt.type_string() }}) as ci_high_text
    from judged
),

-- What the interval says about the thresholds, in words.
worded as (
    select
        mature_connected_users,
        dropped_users,
        post_connection_drop_rate,
        drop_rate_ci_low,
        drop_rate_ci_high,
        reason_code,
        users_text,
        rate_text,
        ci_low_text,
        ci_high_text,
        case reason_code
            when 'above_invest'
                then 'lies wholly above the invest threshold of {{ invest_text }}.'
            when 'below_defer'
                then 'lies wholly below the defer threshold of {{ defer_text }}.'
            when 'spans_both'
                then 'spans both the defer threshold of {{ defer_text }} and the invest threshold of '
                    || '{{ invest_text }}: the data cannot decide yet.'
            when 'spans_invest'
                then 'spans the invest threshold of {{ invest_text }}: the data cannot tell yet whether '
                    || 'the drop is big enough to invest.'
            when 'spans_defer'
                then 'spans the defer threshold of {{ defer_text }}: the data cannot tell yet whether '
                    || 'the drop is small enough to defer.'
            else 'lies between the defer threshold of {{ defer_text }} and the invest threshold of '
                || '{{ invest_text }}: neither invest nor defer without a closer look.'
        end as interval_text
    from formatted
),

final as (
    select
        cast(worded.mature_connected_users as {{ dbt.type_bigint() }}) as mature_connected_users,
        cast(worded.dropped_users as {{ dbt.type_bigint() }}) as dropped_users,
        worded.post_connection_drop_rate,
        worded.drop_rate_ci_low,
        worded.drop_rate_ci_high,
        case worded.reason_code
            when 'above_invest' then 'invest'
            when 'below_defer' then 'defer'
            else 'investigate'
        end as verdict,
        case
            when worded.mature_connected_users = 0
                then 'There are no mature, in-scope, connected users yet, fewer than the '
                    || '{{ min_decision_users }} needed for a verdict.'
            when worded.reason_code = 'too_few_users'
                then 'Only ' || worded.users_text || ' mature, in-scope, connected users, fewer than the '
                    || '{{ min_decision_users }} needed for a verdict (drop rate ' || worded.rate_text
                    || '%, 95% interval ' || worded.ci_low_text || '%–' || worded.ci_high_text || '%).'
            else 'The drop rate''s 95% interval (' || worded.ci_low_text || '%–' || worded.ci_high_text
                || '%) ' || worded.interval_text
        end as verdict_reason,
        {{ stat_to_double(invest_threshold) }} as invest_threshold,
        {{ stat_to_double(defer_threshold) }} as defer_threshold,
        cast({{ min_decision_users }} as integer) as min_decision_users,
        as_of.as_of
    from worded
    cross join as_of
)

select * from final
