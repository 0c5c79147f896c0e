-- People from the application database. Their created_at is the moment of signup (the
-- app database is the truth for it). The email is personal data and stops here: it is
-- not selected, so no model downstream can expose it; an address in another column is
-- replaced as in every staging model (macros/cleaning/personal_data.sql).

with

source_users as (
    select * from {{ source('app', 'users') }}
),

final as (
    select
        {{ pseudonymize_emails('user_id') }} as user_id,
        {{ pseudonymize_emails('account_id') }} as account_id,
        -- The contract's column name, though a keyword.
        {{ redact_emails('role') }} as role,  -- noqa: RF04
        created_at as signed_up_at,
        coalesce(is_internal, false) as is_internal
    from source_users
)

select * from final
