-- The opportunity sizing counts the accounts fct_account_activation holds: for every
-- relative lift, each size band's mature_accounts, connected_accounts and
-- activated_accounts are the mature, in-scope accounts of that band (and every such band
-- is there), and the extra accounts a lift can activate stay between 0 and the connected
-- accounts that did not activate. Returns the (lift, band) rows that disagree.

with

opportunity as (
    select * from {{ ref('activation_opportunity') }}
),

accounts as (
    select * from {{ ref('fct_account_activation') }}
),

lifts as (
    select distinct relative_lift from opportunity
),

band_facts as (
    select
        company_size_band,
        count(*) as mature_accounts,
        count(case when is_connected then 1 end) as connected_accounts,
        count(case when is_activated then 1 end) as activated_accounts
    from accounts
    where
        is_mature
        and is_in_scope
    group by company_size_band
),

expected as (
    select
        lifts.relative_lift,
        band_facts.company_size_band,
        band_facts.mature_accounts,
        band_facts.connected_accounts,
        band_facts.activated_accounts
    from lifts
    cross join band_facts
),

final as (
    select
        coalesce(opportunity.relative_lift, expected.relative_lift) as relative_lift,
        coalesce(opportunity.company_size_band, expected.company_size_band) as company_size_band,
        opportunity.mature_accounts,
        expected.mature_accounts as expected_mature_accounts,
        opportunity.connected_accounts,
        expected.connected_accounts as expected_connected_accounts,
        opportunity.activated_accounts,
        expected.activated_accounts as expected_activated_accounts,
        opportunity.extra_activated_accounts
    from opportunity
    full outer join expected
        on opportunity.relative_lift = expected.relative_lift
        and opportunity.company_size_band = expected.company_size_band
    where
        opportunity.company_size_band is null
        or expected.company_size_band is null
        or opportunity.mature_accounts != expected.mature_accounts
        or opportunity.connected_accounts != expected.connected_accounts
        or opportunity.activated_accounts != expected.activated_accounts
        or opportunity.extra_activated_accounts < 0
        or opportunity.extra_activated_accounts > opportunity.connected_accounts - opportunity.activated_accounts
)

select * from final
