-- Durations are exact elapsed time from an earlier moment to a later one, so none is
-- negative: a user's minutes to first value (first value comes at or after the
-- connection), data readiness (floored at 0 by definition) and connecting-session
-- length, and a session's duration. A negative value means a clock or join went wrong
-- upstream. Built on the generic test accepted_range; returns the offending column with
-- how many rows break it.

with

minutes_to_first_value as (
    select count(*) as failing_rows
    from (
        {{ test_accepted_range(model=ref('fct_user_activation'), column_name='minutes_to_first_value', min_value=0) }}
    ) as failures
),

data_ready_minutes as (
    select count(*) as failing_rows
    from (
        {{ test_accepted_range(model=ref('fct_user_activation'), column_name='data_ready_minutes', min_value=0) }}
    ) as failures
),

connecting_session_minutes as (
    select count(*) as failing_rows
    from (
        {{ test_accepted_range(
            model=ref('fct_user_activation'), column_name='connecting_session_minutes', min_value=0
        ) }}
    ) as failures
),

session_duration_minutes as (
    select count(*) as failing_rows
    from (
        {{ test_accepted_range(model=ref('fct_sessions'), column_name='duration_minutes', min_value=0) }}
    ) as failures
),

final as (
    select
        'fct_user_activation' as table_name,
        'minutes_to_first_value' as column_name,
        failing_rows
    from minutes_to_first_value
    union all
    select
        'fct_user_activation' as table_name,
        'data_ready_minutes' as column_name,
        failing_rows
    from data_ready_minutes
    union all
    select
        'fct_user_activation' as table_name,
        'connecting_session_minutes' as column_name,
        failing_rows
    from connecting_session_minutes
    union all
    select
        'fct_sessions' as table_name,
        'duration_minutes' as column_name,
        failing_rows
    from session_duration_minutes
)

select *
from final
where failing_rows > 0
