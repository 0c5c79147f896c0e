-- Question: how do users move through the checklist in each company size band, in
-- particular the enterprise path (milestones that apply to some bands only, such as a
-- security review for the largest companies)?
--
-- Reading the answer: one row per size band × applicable milestone, in checklist order,
-- over mature users (window closed). reached_users reached the milestone within their
-- window, reached_share is their share of the band's mature users. is_funnel_step false
-- marks a checklist step outside the activation funnel (it does not gate activation).
-- A milestone missing from a band does not apply to it.
--
-- Settings: the milestones seed (milestones, order, applies_to_size_bands),
-- activation_window_days.

with

user_milestones as (
    select * from {{ ref('fct_user_milestones') }}
)

select
    company_size_band,
    step_order,
    milestone,
    is_funnel_step,
    count(*) as mature_users,
    sum(case when is_reached then 1 else 0 end) as reached_users,
    {{ stat_to_double('sum(case when is_reached then 1 else 0 end)') }}
    / {{ stat_to_double('count(*)') }} as reached_share
from user_milestones
where
    is_applicable
    and is_mature
group by
    company_size_band,
    step_order,
    milestone,
    is_funnel_step
order by
    company_size_band,
    step_order
