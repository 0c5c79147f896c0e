-- People from the application database. Their created_at is the moment of signup (the
-- app database is the truth for it). The email is personal data and stops here: it is
-- not selected, so no model downstream can expose it.

with

source_users as (
    select * from {{ source('raw', 'users') }}
),

final as (
    select
        user_id,
        account_id,
        role,
        created_at as signed_up_at,
        coalesce(is_internal, false) as is_internal
    from source_users
)

select * from final
