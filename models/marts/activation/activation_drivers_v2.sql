-- The root-cause view (version 2, the latest: driver keys name no duration; version 1,
-- activation_drivers_v1.sql, keeps the old keys until its deprecation date): one row per
-- driver and bucket over mature, in-scope, connected users, with their activation rate.
-- What a driver measures stops at the earlier of the end of the post-connection window
-- (var post_connection_minutes) and first value (fct_user_activation's
-- *_before_value_post_connection flags and first_sync_error_code). Numeric drivers take their buckets from the
-- driver_buckets seed, [min_value, max_value), a null max meaning no upper bound and the
-- row with both bounds null catching null values. Each driver's buckets partition the
-- population: a seed bucket with no user still shows (0 users, rate null), and a value
-- no seed bucket catches lands in an `unknown` bucket rather than vanishing.
-- driver_spread (best minus worst bucket rate among the driver's buckets with at least
-- `min_driver_bucket_users` users, var, default 10) lets a report rank the drivers.

{%- set min_bucket_users = setting('min_driver_bucket_users') %}

with

users as (
    select * from {{ ref('fct_user_activation') }}
),

driver_buckets as (
    select * from {{ ref('driver_buckets') }}
),

population as (
    select
        user_id,
        is_activated,
        data_ready_minutes,
        connecting_session_minutes,
        first_sync_error_code,
        saw_empty_state_before_value_post_connection,
        viewed_template_gallery_before_value_post_connection
    from users
    where
        is_mature
        and is_in_scope
        and is_connected
),

numeric_values as (
    select
        user_id,
        is_activated,
        'data_ready' as driver,
        data_ready_minutes as driver_value
    from population

    union all

    select
        user_id,
        is_activated,
        'connecting_session_minutes' as driver,
        connecting_session_minutes as driver_value
    from population
),

numeric_bucketed as (
    select
        numeric_values.user_id,
        numeric_values.is_activated,
        numeric_values.driver,
        coalesce(driver_buckets.bucket, 'unknown') as bucket
    from numeric_values
    left join driver_buckets
        on numeric_values.driver = driver_buckets.driver
        and (
            (
                numeric_values.driver_value is null
                and driver_buckets.min_value is null
                and driver_buckets.max_value is null
            )
            or (
                numeric_values.driver_value is not null
                and (driver_buckets.min_value is not null or driver_buckets.max_value is not null)
                and (driver_buckets.min_value is null or numeric_values.driver_value >= driver_buckets.min_value)
                and (driver_buckets.max_value is null or numeric_values.driver_value < driver_buckets.max_value)
            )
        )
),

categorical_bucketed as (
    select
        user_id,
        is_activated,
        'sync_error' as driver,
        coalesce(first_sync_error_code, 'none') as bucket
    from population

    union all

    select
        user_id,
        is_activated,
        'empty_state_post_connection' as driver,
        case
            when saw_empty_state_before_value_post_connection then 'saw_empty_state'
            else 'no_empty_state'
        end as bucket
    from population

    union all

    select
        user_id,
        is_activated,
        'template_gallery_post_connection' as driver,
        case
            when viewed_template_gallery_before_value_post_connection then 'viewed_template_gallery'
            else 'no_template_gallery'
        end as bucket
    from population
),

user_buckets as (
    select
        user_id,
        is_activated,
        driver,
        bucket
    from numeric_bucketed
    union all
    select
        user_id,
        is_activated,
        driver,
        bucket
    from categorical_bucketed
),

bucket_counts as (
    select
        driver,
        bucket,
        count(*) as connected_users,
        count(case when is_activated then 1 end) as activated_users
    from user_buckets
    group by
        driver,
        bucket
),

-- The buckets that always show, with or without users: the seed's, and the categorical
-- drivers' fixed answers (the baseline answer first).
declared_buckets as (
    select
        driver,
        bucket,
        bucket_order
    from driver_buckets

    union all
    select
        'sync_error' as driver,
        'none' as bucket,
        1 as bucket_order
    union all
    select
        'empty_state_post_connection' as driver,
        'no_empty_state' as bucket,
        1 as bucket_order
    union all
    select
        'empty_state_post_connection' as driver,
        'saw_empty_state' as bucket,
        2 as bucket_order
    union all
    select
        'template_gallery_post_connection' as driver,
        'no_template_gallery' as bucket,
        1 as bucket_order
    union all
    select
        'template_gallery_post_connection' as driver,
        'viewed_template_gallery' as bucket,
        2 as bucket_order
),

declared_driver_orders as (
    select
        driver,
        max(bucket_order) as max_bucket_order
    from declared_buckets
    group by driver
),

-- Buckets seen in the data only (sync error codes, `unknown`) follow, alphabetically.
observed_buckets as (
    select
        bucket_counts.driver,
        bucket_counts.bucket,
        coalesce(declared_driver_orders.max_bucket_order, 0)
        + row_number() over (
            partition by bucket_counts.driver
            order by bucket_counts.bucket
        ) as bucket_order
    from bucket_counts
    left join declared_buckets
        on bucket_counts.driver = declared_buckets.driver
        and bucket_counts.bucket = declared_buckets.bucket
    left join declared_driver_orders
        on bucket_counts.driver = declared_driver_orders.driver
    where declared_buckets.bucket is null
),

all_buckets as (
    select
        driver,
        bucket,
        bucket_order
    from declared_buckets
    union all
    select
        driver,
        bucket,
        bucket_order
    from observed_buckets
),

bucket_rows as (
    select
        all_buckets.driver,
        all_buckets.bucket,
        all_buckets.bucket_order,
        coalesce(bucket_counts.connected_users, 0) as connected_users,
        coalesce(bucket_counts.activated_users, 0) as activated_users
    from all_buckets
    left join bucket_counts
        on all_buckets.driver = bucket_counts.driver
        and all_buckets.bucket = bucket_counts.bucket
),

overall as (
    select
        count(*) as population_users,
        count(case when is_activated then 1 end) as population_activated_users
    from population
),

rated as (
    select
        bucket_rows.driver,
        bucket_rows.bucket,
        bucket_rows.bucket_order,
        bucket_rows.connected_users,
        bucket_rows.activated_users,
        case
            when bucket_rows.connected_users > 0 then
                {{ stat_to_double('bucket_rows.activated_users') }}
                / {{ stat_to_double('bucket_rows.connected_users') }}
        end as activation_rate,
        sum(bucket_rows.connected_users) over (partition by bucket_rows.driver) as driver_users,
        case
            when overall.population_users > 0 then
                {{ stat_to_double('overall.population_activated_users') }}
                / {{ stat_to_double('overall.population_users') }}
        end as overall_activation_rate
    from bucket_rows
    cross join overall
),

spreads as (
    select
        driver,
        max(activation_rate) - min(activation_rate) as driver_spread
    from rated
    where connected_users >= {{ min_bucket_users }}
    group by driver
),

drivers as (
    select distinct driver
    from rated
),

ranked_drivers as (
    select
        drivers.driver,
        spreads.driver_spread,
        -- row_number() is a bigint on DuckDB but an int on Spark: cast for the contract.
        cast(row_number() over (
            order by
                case when spreads.driver_spread is null then 1 else 0 end asc,
                spreads.driver_spread desc,
                drivers.driver asc
        ) as {{ dbt.type_bigint() }}) as driver_rank
    from drivers
    left join spreads
        on drivers.driver = spreads.driver
),

final as (
    select
        rated.driver,
        rated.bucket,
        cast(rated.bucket_order as {{ dbt.type_int() }}) as bucket_order,
        rated.connected_users,
        rated.activated_users,
        rated.activation_rate,
        case
            when rated.driver_users > 0 then
                {{ stat_to_double('rated.connected_users') }} / {{ stat_to_double('rated.driver_users') }}
        end as share_of_users,
        rated.overall_activation_rate,
        rated.activation_rate - rated.overall_activation_rate as rate_vs_overall,
        ranked_drivers.driver_spread,
        ranked_drivers.driver_rank
    from rated
    inner join ranked_drivers
        on rated.driver = ranked_drivers.driver
)

select * from final
