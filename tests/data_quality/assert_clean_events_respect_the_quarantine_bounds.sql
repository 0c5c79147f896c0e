-- No clean event breaks a quarantine rule on time: each occurred at or after the var
-- min_event_date and at most max_clock_skew_days after it was received. If a cleaning
-- change let one through, every metric would count an event the contract refuses.
-- Built on the generic test expression_is_true; returns the offending events.

{{ test_expression_is_true(
    model=ref('fct_events'),
    expression="occurred_at >= cast('" ~ setting('min_event_date') ~ "' as " ~ dbt.type_timestamp() ~ ")
        and occurred_at <= " ~ dbt.dateadd('day', setting('max_clock_skew_days'), 'received_at')
) }}
