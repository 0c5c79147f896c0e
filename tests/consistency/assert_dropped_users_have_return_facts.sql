-- The facts that exist only in some states are there in those states: a dropped user has
-- a true or false returned_after_drop and returned_within_return_window (the spec's "null
-- unless dropped" must not become "null when dropped"), and an activated user has
-- minutes_to_first_value. Built on the generic test not_null_where; returns the users
-- and the fact they lack.

with

missing_return as (
    select user_id
    from (
        {{ test_not_null_where(
            model=ref('fct_user_activation'),
            column_name='returned_after_drop',
            condition='dropped_after_connection'
        ) }}
    ) as failures
),

missing_return_within_return_window as (
    select user_id
    from (
        {{ test_not_null_where(
            model=ref('fct_user_activation'),
            column_name='returned_within_return_window',
            condition='dropped_after_connection'
        ) }}
    ) as failures
),

missing_minutes_to_first_value as (
    select user_id
    from (
        {{ test_not_null_where(
            model=ref('fct_user_activation'),
            column_name='minutes_to_first_value',
            condition='is_activated'
        ) }}
    ) as failures
),

final as (
    select
        user_id,
        'returned_after_drop' as missing_fact
    from missing_return
    union all
    select
        user_id,
        'returned_within_return_window' as missing_fact
    from missing_return_within_return_window
    union all
    select
        user_id,
        'minutes_to_first_value' as missing_fact
    from missing_minutes_to_first_value
)

select * from final
