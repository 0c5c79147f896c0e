-- Question: did any onboarding experiment change activation?
--
-- Reading the answer: one row per flag × variant, control first. activation_rate is
-- activated_users / exposed_users with its Wilson 95% interval; diff_vs_control is the
-- variant's rate minus control's and p_value the two-sided pooled two-proportion z-test
-- against control. reading says it in words at the 5% level; with few exposed users a
-- real effect can look like "no detectable difference". Users exposed to more than one
-- variant of a flag are left out (users_excluded_multiple_variants).
--
-- Settings: control_variant (the variant others are compared with),
-- activation_window_days.

with

results as (
    select * from {{ ref('experiment_results') }}
)

select
    flag_key,
    variant,
    is_control,
    exposed_users,
    activated_users,
    activation_rate,
    activation_rate_ci_low,
    activation_rate_ci_high,
    diff_vs_control,
    p_value,
    case
        when is_control then 'control'
        when p_value is null then 'no test (no users)'
        when p_value < 0.05 and diff_vs_control > 0 then 'better than control'
        when p_value < 0.05 then 'worse than control'
        else 'no detectable difference'
    end as reading,
    users_excluded_multiple_variants
from results
order by
    flag_key asc,
    is_control desc,
    variant asc
