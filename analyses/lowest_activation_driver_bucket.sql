-- Question: which root cause goes with the lowest activation, and how many users does it
-- concern?
--
-- Reading the answer: every driver bucket (activation_drivers, latest version), the
-- lowest activation rate first, over mature, in-scope, connected users. connected_users
-- is the bucket's size, activated_users those who reached first value, rate_vs_overall
-- the gap to everyone's rate (negative: worse). counts_toward_spread says whether the
-- bucket is big enough to count (min_driver_bucket_users): read a tiny bucket's 0% as
-- noise. driver_rank ranks the drivers by how far their buckets' rates spread (1 =
-- widest). A bucket is an association, not a proven cause.
--
-- Settings: min_driver_bucket_users, post_connection_minutes (the window the
-- post-connection drivers look at), the driver_buckets seed (numeric buckets).

with

drivers as (
    select * from {{ ref('activation_drivers') }}
)

select
    driver,
    bucket,
    connected_users,
    activated_users,
    activation_rate,
    rate_vs_overall,
    share_of_users,
    connected_users >= {{ var('min_driver_bucket_users') }} as counts_toward_spread,
    driver_rank
from drivers
where connected_users > 0
order by
    counts_toward_spread desc,
    activation_rate asc,
    driver_rank asc,
    bucket_order asc
