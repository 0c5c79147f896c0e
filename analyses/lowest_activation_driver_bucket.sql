-- Question: which root cause goes with the lowest activation, and how many users does it
-- concern?
--
-- Reading the answer: every driver bucket (activation_drivers, latest version), the
-- lowest activation rate first, over mature, in-scope, connected users. connected_users
-- is the bucket's size, activated_users those who reached first value, rate_vs_overall
-- the gap to everyone's rate (negative: worse). counts_toward_spread says whether the
-- bucket is big enough to count (min_driver_bucket_users, the build's value from
-- activation_settings): read a tiny bucket's 0% as
-- noise. driver_rank ranks the drivers by how far their buckets' rates spread (1 =
-- widest). A bucket is an association, not a proven cause.
--
-- Settings: min_driver_bucket_users, post_connection_minutes (the window the
-- post-connection drivers look at), the driver_buckets seed (numeric buckets).

with

drivers as (
    select * from {{ ref('activation_drivers') }}
),

min_bucket as (
    {{ setting_in_force('min_driver_bucket_users', dbt.type_int()) }}
)

select
    drivers.driver,
    drivers.bucket,
    drivers.connected_users,
    drivers.activated_users,
    drivers.activation_rate,
    drivers.rate_vs_overall,
    drivers.share_of_users,
    drivers.connected_users >= min_bucket.min_driver_bucket_users as counts_toward_spread,
    drivers.driver_rank
from drivers
cross join min_bucket
where drivers.connected_users > 0
order by
    counts_toward_spread desc,
    drivers.activation_rate asc,
    drivers.driver_rank asc,
    drivers.bucket_order asc
