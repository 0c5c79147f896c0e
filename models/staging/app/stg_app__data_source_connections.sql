-- Data-source connections from the application database; source types lower-cased so
-- they meet the event property's spelling.

with

source_connections as (
    select * from {{ source('app', 'data_source_connections') }}
),

final as (
    select
        {{ pseudonymize_emails('connection_id') }} as connection_id,
        {{ pseudonymize_emails('account_id') }} as account_id,
        {{ pseudonymize_emails('created_by_user_id') }} as created_by_user_id,
        lower(trim({{ redact_emails('source_type') }})) as source_type,
        {{ redact_emails('vendor') }} as vendor,
        connected_at,
        {{ redact_emails('status') }} as status
    from source_connections
)

select * from final
