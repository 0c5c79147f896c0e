-- Feature-flag and experiment exposures, one row per exposure.

with

source_exposures as (
    select * from {{ source('app', 'flag_exposures') }}
),

final as (
    select
        {{ pseudonymize_emails('exposure_id') }} as exposure_id,
        {{ pseudonymize_emails('user_id') }} as user_id,
        trim({{ redact_emails('flag_key') }}) as flag_key,
        trim({{ redact_emails('variant') }}) as variant,
        exposed_at
    from source_exposures
)

select * from final
