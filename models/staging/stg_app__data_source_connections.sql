-- Data-source connections from the application database; source types lower-cased so
-- they meet the event property's spelling.

with

source_connections as (
    select * from {{ source('raw', 'data_source_connections') }}
),

final as (
    select
        connection_id,
        account_id,
        created_by_user_id,
        lower(trim(source_type)) as source_type,
        vendor,
        connected_at,
        status
    from source_connections
)

select * from final
