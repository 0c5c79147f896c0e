-- The list a customer-success team nudges is exactly the users fct_user_activation marks
-- is_stalled: none missing, none extra, and no user listed twice. Returns each user on
-- one side only (with the side), and each user listed more than once.

with

stalled_list as (
    select user_id from {{ ref('stalled_users') }}
),

stalled_facts as (
    select user_id
    from {{ ref('fct_user_activation') }}
    where is_stalled
),

one_side_only as (
    select
        coalesce(stalled_list.user_id, stalled_facts.user_id) as user_id,
        case
            when stalled_list.user_id is null then 'is_stalled in fct_user_activation, missing from stalled_users'
            else 'in stalled_users, not is_stalled in fct_user_activation'
        end as failure
    from stalled_list
    full outer join stalled_facts
        on stalled_list.user_id = stalled_facts.user_id
    where
        stalled_list.user_id is null
        or stalled_facts.user_id is null
),

listed_twice as (
    select
        user_id,
        'listed more than once in stalled_users' as failure
    from stalled_list
    group by user_id
    having count(*) > 1
),

final as (
    select
        user_id,
        failure
    from one_side_only
    union all
    select
        user_id,
        failure
    from listed_twice
)

select * from final
