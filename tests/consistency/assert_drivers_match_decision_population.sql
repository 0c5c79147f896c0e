-- The root-cause view and the decision look at one population: the mature, in-scope,
-- connected users. For every driver, its buckets' connected_users add up to the
-- decision's mature_connected_users and their activated_users to the decision's users
-- who did not drop (mature_connected_users - dropped_users). Two marts built from the
-- user facts by different models must agree, or the "why" explains another population
-- than the "whether". Returns the drivers that disagree (every driver when the decision
-- is missing or not one row).

with

drivers as (
    select * from {{ ref('activation_drivers') }}
),

decision as (
    select * from {{ ref('activation_decision') }}
),

decision_population as (
    select
        count(*) as decision_rows,
        max(mature_connected_users) as mature_connected_users,
        max(mature_connected_users - dropped_users) as activated_users
    from decision
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
        driver_sums.driver,
        driver_sums.connected_users as driver_connected_users,
        decision_population.mature_connected_users as decision_connected_users,
        driver_sums.activated_users as driver_activated_users,
        decision_population.activated_users as decision_activated_users,
        decision_population.decision_rows
    from driver_sums
    cross join decision_population
    where
        decision_population.decision_rows != 1
        or driver_sums.connected_users != decision_population.mature_connected_users
        or driver_sums.activated_users != decision_population.activated_users
)

select * from final
