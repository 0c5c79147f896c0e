-- Companies from the application database, with the signup channel folded onto the
-- spec's three values and a null is_test read as false.

with

source_accounts as (
    select * from {{ source('app', 'accounts') }}
),

final as (
    select
        {{ pseudonymize_emails('account_id') }} as account_id,
        {{ redact_emails('account_name') }} as account_name,
        employee_count,
        {{ redact_emails('industry') }} as industry,
        case
            when lower(trim(signup_channel)) in ('self_serve', 'sales_assisted')
                then lower(trim(signup_channel))
            else 'unknown'
        end as signup_channel,
        created_at,
        coalesce(is_test, false) as is_test
    from source_accounts
)

select * from final
