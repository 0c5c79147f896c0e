-- Question: how far has each account got through its onboarding checklist?
--
-- Reading the answer: one row per account, the least complete first. checklist_completion
-- is milestones_completed / milestones_applicable (the milestones that apply to the
-- account's size band, signup included); is_activated says whether any of its users
-- reached first value, is_mature whether the account's activation window has closed
-- (an immature account may still complete its checklist).
--
-- Settings: the milestones seed (which milestones, for which size bands),
-- activation_window_days.

with

accounts as (
    select * from {{ ref('fct_account_activation') }}
)

select
    account_id,
    company_size_band,
    signup_channel,
    is_in_scope,
    users,
    milestones_completed,
    milestones_applicable,
    checklist_completion,
    is_connected,
    is_activated,
    is_mature
from accounts
order by
    checklist_completion asc,
    company_size_band asc,
    account_id asc
