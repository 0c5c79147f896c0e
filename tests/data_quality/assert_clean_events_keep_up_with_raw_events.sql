-- Cleaning does not silently stop the stream: the latest clean event was received
-- within a day of the latest raw row. A cleaning rule that suddenly refused every recent
-- row (a new SDK's timestamp format, a renamed id field) would leave fct_events behind
-- while raw.events goes on. Built on the generic test recency, against the raw table
-- rather than the wall clock, so a rebuild of old data passes; returns the two times
-- when stale.

{{ test_recency(
    model=ref('fct_events'),
    field='received_at',
    datepart='day',
    interval=1,
    reference_model=event_rows(),
    reference_field='received_at'
) }}
