-- Question: what is fixing the post-connection drop worth at 10, 25 and 50% recovery,
-- and what is the verdict, with its reason?
--
-- Reading the answer: one row per recovery level (the opportunity_lifts seed; by default
-- 10 / 25 / 50%), summed over company size bands: extra_activated_accounts a year is the
-- accounts that would activate if that share of the drop were recovered, and
-- extra_annual_revenue what they would pay (activated_to_paid_rate × each band's annual
-- contract value). Every row repeats the decision: verdict (invest / investigate /
-- defer), its reason in words, and the drop rate with its Wilson 95% interval it was
-- judged on. Per-band detail: activation_opportunity.
--
-- Settings: invest_threshold, defer_threshold, min_decision_users (the verdict),
-- activated_to_paid_rate, the opportunity_lifts and company_size_bands seeds.

with

opportunity as (
    select * from {{ ref('activation_opportunity') }}
),

decision as (
    select * from {{ ref('activation_decision') }}
),

by_lift as (
    select
        relative_lift,
        lift_description,
        sum(extra_activated_accounts) as extra_activated_accounts,
        sum(extra_annual_revenue) as extra_annual_revenue
    from opportunity
    group by
        relative_lift,
        lift_description
)

select
    by_lift.relative_lift,
    by_lift.lift_description,
    by_lift.extra_activated_accounts,
    by_lift.extra_annual_revenue,
    decision.verdict,
    decision.verdict_reason,
    decision.post_connection_drop_rate,
    decision.drop_rate_ci_low,
    decision.drop_rate_ci_high
from by_lift
cross join decision
order by by_lift.relative_lift
