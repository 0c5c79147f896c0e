-- Feature-flag and experiment exposures, one row per exposure.

with

source_exposures as (
    select * from {{ source('raw', 'flag_exposures') }}
),

final as (
    select
        exposure_id,
        user_id,
        trim(flag_key) as flag_key,
        trim(variant) as variant,
        exposed_at
    from source_exposures
)

select * from final
