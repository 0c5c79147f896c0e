-- Accounts with their segments: the company size band (from the company_size_bands seed;
-- null or below 1 employee is `unknown`) and whether the company is in the product
-- question's scope (vars in_scope_min_employees to in_scope_max_employees).

with

accounts as (
    select * from {{ ref('stg_app__accounts') }}
),

size_bands as (
    select * from {{ ref('company_size_bands') }}
),

banded as (
    select
        accounts.account_id,
        accounts.signup_channel,
        accounts.employee_count,
        accounts.is_test,
        coalesce(size_bands.company_size_band, 'unknown') as company_size_band,
        coalesce(
            accounts.employee_count
            between {{ setting('in_scope_min_employees') }}
            and {{ setting('in_scope_max_employees') }},
            false
        ) as is_in_scope
    from accounts
    left join size_bands
        on accounts.employee_count >= size_bands.min_employees
        and (size_bands.max_employees is null or accounts.employee_count <= size_bands.max_employees)
),

final as (
    select
        account_id,
        signup_channel,
        employee_count,
        company_size_band,
        is_in_scope,
        is_test
    from banded
)

select * from final
