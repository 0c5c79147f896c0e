-- fct_events holds one row per clean event, no more and no fewer: its joins (sessions)
-- neither fan a clean event out nor drop one. Built on the generic test equal_rowcount
-- against the rows int_events__classified judged clean; returns both counts when they
-- differ.

{{ test_equal_rowcount(
    model=ref('fct_events'),
    compare_model=ref('int_events__classified'),
    compare_where="event_outcome = 'clean'"
) }}
