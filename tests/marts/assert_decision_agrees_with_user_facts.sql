-- The decision row agrees with the user facts it summarises. Recomputed here from
-- fct_user_activation by another route: dropped users counted as "connected and not
-- activated" (not from dropped_after_connection), the Wilson bounds from the algebraically
-- equivalent closed form (2x + z² ∓ z sqrt(z² + 4x(n − x)/n)) / (2(n + z²)), and the
-- verdict re-derived from the vars. Returns the decision row (with the recomputed values
-- beside it) when anything disagrees, or when the mart does not have exactly one row.

{%- set z = '1.959963984540054' %}

with

users as (
    select * from {{ ref('fct_user_activation') }}
),

decision as (
    select * from {{ ref('activation_decision') }}
),

decision_row_count as (
    select count(*) as decision_rows from decision
),

decision_users as (
    select
        user_id,
        is_activated
    from users
    where
        is_mature
        and is_in_scope
        and is_connected
),

counted as (
    select
        count(*) as expected_users,
        coalesce(sum(case when not is_activated then 1 else 0 end), 0) as expected_dropped
    from decision_users
),

as_doubles as (
    select
        expected_users,
        expected_dropped,
        {{ stat_to_double('expected_users') }} as n,
        {{ stat_to_double('expected_dropped') }} as x,
        {{ stat_to_double(z) }} as z
    from counted
),

recomputed as (
    select
        expected_users,
        expected_dropped,
        x / nullif(n, 0) as expected_rate,
        (2.0 * x + z * z - z * sqrt(z * z + 4.0 * x * (n - x) / nullif(n, 0)))
        / (2.0 * (n + z * z)) as expected_ci_low,
        (2.0 * x + z * z + z * sqrt(z * z + 4.0 * x * (n - x) / nullif(n, 0)))
        / (2.0 * (n + z * z)) as expected_ci_high
    from as_doubles
),

judged as (
    select
        expected_users,
        expected_dropped,
        expected_rate,
        case when expected_users > 0 then expected_ci_low end as expected_ci_low,
        case when expected_users > 0 then expected_ci_high end as expected_ci_high,
        case
            when expected_users < {{ setting('min_decision_users') }} then 'investigate'
            when expected_ci_low > {{ setting('invest_threshold') }} then 'invest'
            when expected_ci_high < {{ setting('defer_threshold') }} then 'defer'
            else 'investigate'
        end as expected_verdict
    from recomputed
),

compared as (
    select
        decision_row_count.decision_rows,
        judged.expected_users,
        judged.expected_dropped,
        judged.expected_rate,
        judged.expected_ci_low,
        judged.expected_ci_high,
        judged.expected_verdict,
        decision.mature_connected_users,
        decision.dropped_users,
        decision.post_connection_drop_rate,
        decision.drop_rate_ci_low,
        decision.drop_rate_ci_high,
        decision.verdict,
        decision.verdict_reason,
        decision.invest_threshold,
        decision.defer_threshold,
        decision.min_decision_users
    from judged
    cross join decision_row_count
    left join decision
        on 1 = 1
),

final as (
    select *
    from compared
    where
        decision_rows != 1
        or mature_connected_users is distinct from expected_users
        or dropped_users is distinct from expected_dropped
        or (post_connection_drop_rate is null) != (expected_rate is null)
        or abs(post_connection_drop_rate - expected_rate) > 1e-9
        or (drop_rate_ci_low is null) != (expected_ci_low is null)
        or abs(drop_rate_ci_low - expected_ci_low) > 1e-9
        or (drop_rate_ci_high is null) != (expected_ci_high is null)
        or abs(drop_rate_ci_high - expected_ci_high) > 1e-9
        or drop_rate_ci_low > post_connection_drop_rate
        or drop_rate_ci_high < post_connection_drop_rate
        or drop_rate_ci_low < 0
        or drop_rate_ci_high > 1
        or verdict is distinct from expected_verdict
        or verdict_reason is null
        or invest_threshold != {{ setting('invest_threshold') }}
        or defer_threshold != {{ setting('defer_threshold') }}
        or min_decision_users != {{ setting('min_decision_users') }}
)

select * from final
