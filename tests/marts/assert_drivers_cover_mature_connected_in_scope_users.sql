-- Each driver's buckets partition the root-cause population: the mature, in-scope,
-- connected users of fct_user_activation. Per driver, connected_users must add up to
-- that population and activated_users to its activated users; every driver of the spec
-- must be there. Returns the drivers that do not add up.

with

users as (
    select * from {{ ref('fct_user_activation') }}
),

drivers as (
    select * from {{ ref('activation_drivers') }}
),

population as (
    select
        count(*) as connected_users,
        count(case when is_activated then 1 end) as activated_users
    from users
    where
        is_mature
        and is_in_scope
        and is_connected
),

expected_drivers as (
    select 'data_ready' as driver
    union all
    select 'sync_error' as driver
    union all
    select 'empty_state_post_connection' as driver
    union all
    select 'template_gallery_post_connection' as driver
    union all
    select 'connecting_session_minutes' as driver
),

all_drivers as (
    select driver from expected_drivers
    union
    select driver from drivers
),

driver_sums as (
    select
        driver,
        sum(connected_users) as connected_users,
        sum(activated_users) as activated_users
    from drivers
    group by driver
),

final as (
    select
        all_drivers.driver,
        population.connected_users as population_connected_users,
        driver_sums.connected_users as driver_connected_users,
        population.activated_users as population_activated_users,
        driver_sums.activated_users as driver_activated_users
    from all_drivers
    cross join population
    left join driver_sums
        on all_drivers.driver = driver_sums.driver
    where
        driver_sums.driver is null
        or driver_sums.connected_users != population.connected_users
        or driver_sums.activated_users != population.activated_users
)

select * from final
