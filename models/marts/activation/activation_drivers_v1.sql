-- activation_drivers version 1, deprecated: the relation `activation_drivers` that BI
-- tools read before version 2, kept until its deprecation_date (_activation__funnel_drivers.yml).
-- The same rows and values as version 2 except two driver keys, which keep their old
-- names (whatever post_connection_minutes is in force, not only 30 minutes).
-- On DuckDB a view of version 2, elsewhere a table (macro projection_materialization).

{{ config(materialized=projection_materialization()) }}

with

drivers as (
    select * from {{ projection_source(ref('activation_drivers', v=2)) }}
),

final as (
    select
        case driver
            when 'empty_state_post_connection' then 'empty_state_30m'
            when 'template_gallery_post_connection' then 'template_gallery_30m'
            else driver
        end as driver,
        bucket,
        bucket_order,
        connected_users,
        activated_users,
        activation_rate,
        share_of_users,
        overall_activation_rate,
        rate_vs_overall,
        driver_spread,
        driver_rank
    from drivers
)

select * from final
