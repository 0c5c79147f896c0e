-- Opportunity sizing, one row per relative lift (seed opportunity_lifts) and company size
-- band, over mature, in-scope accounts (fct_account_activation). If the product lifted
-- account activation by the relative lift, how many more accounts would activate, and
-- what would they be worth in a year?
--
--   extra_activated_accounts = min(activated x lift, connected - activated)
--       (a lift cannot activate more accounts than connected and did not activate)
--   extra_annual_revenue     = extra_activated_accounts x var activated_to_paid_rate
--                              x the band's annual_contract_value (seed company_size_bands)
--                              x signups_per_year_factor
--   signups_per_year_factor  = 365 / signup_span_days, where signup_span_days is the exact
--       elapsed time in days from the first to the last mature in-scope account signup
--       (one span for all bands): it scales the observed cohort to one year of signups.
--       Null (and so null revenue) when the span is 0.

{%- set activated_to_paid_rate = setting('activated_to_paid_rate') %}

with

accounts as (
    select * from {{ ref('fct_account_activation') }}
),

size_bands as (
    select * from {{ ref('company_size_bands') }}
),

lifts as (
    select * from {{ ref('opportunity_lifts') }}
),

sized_accounts as (
    select
        account_id,
        company_size_band,
        is_connected,
        is_activated,
        first_signed_up_at
    from accounts
    where
        is_mature
        and is_in_scope
),

signup_span as (
    select
        {{ elapsed_days('min(first_signed_up_at)', 'max(first_signed_up_at)') }} as signup_span_days
    from sized_accounts
),

band_counts as (
    select
        company_size_band,
        count(*) as mature_accounts,
        sum(case when is_connected then 1 else 0 end) as connected_accounts,
        sum(case when is_activated then 1 else 0 end) as activated_accounts
    from sized_accounts
    group by company_size_band
),

scaled as (
    select
        band_counts.company_size_band,
        size_bands.band_order,
        band_counts.mature_accounts,
        band_counts.connected_accounts,
        band_counts.activated_accounts,
        {{ stat_to_double('size_bands.annual_contract_value') }} as annual_contract_value,
        {{ stat_to_double('signup_span.signup_span_days') }} as signup_span_days,
        365.0 / nullif({{ stat_to_double('signup_span.signup_span_days') }}, 0) as signups_per_year_factor
    from band_counts
    cross join signup_span
    left join size_bands
        on band_counts.company_size_band = size_bands.company_size_band
),

lifted as (
    select
        {{ stat_to_double('lifts.relative_lift') }} as relative_lift,
        lifts.description as lift_description,
        scaled.company_size_band,
        scaled.band_order,
        scaled.mature_accounts,
        scaled.connected_accounts,
        scaled.activated_accounts,
        case
            when {{ stat_to_double('scaled.activated_accounts') }} * {{ stat_to_double('lifts.relative_lift') }}
                < {{ stat_to_double('scaled.connected_accounts - scaled.activated_accounts') }}
                then {{ stat_to_double('scaled.activated_accounts') }} * {{ stat_to_double('lifts.relative_lift') }}
            else {{ stat_to_double('scaled.connected_accounts - scaled.activated_accounts') }}
        end as extra_activated_accounts,
        scaled.annual_contract_value,
        scaled.signup_span_days,
        scaled.signups_per_year_factor
    from lifts
    cross join scaled
),

final as (
    select
        relative_lift,
        lift_description,
        company_size_band,
        band_order,
        cast(mature_accounts as {{ dbt.type_bigint() }}) as mature_accounts,
        cast(connected_accounts as {{ dbt.type_bigint() }}) as connected_accounts,
        cast(activated_accounts as {{ dbt.type_bigint() }}) as activated_accounts,
        extra_activated_accounts,
        {{ stat_to_double(activated_to_paid_rate) }} as activated_to_paid_rate,
        annual_contract_value,
        signup_span_days,
        signups_per_year_factor,
        extra_activated_accounts
        * {{ stat_to_double(activated_to_paid_rate) }}
        * annual_contract_value
        * signups_per_year_factor as extra_annual_revenue
    from lifted
)

select * from final
