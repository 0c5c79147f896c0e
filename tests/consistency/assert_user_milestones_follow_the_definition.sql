-- Every user's facts follow the activation definition (activation-metrics.md), row by
-- row: a connection at or after signup and within the window (bounds included); first
-- value at or after the connection and within the window, never without a connection;
-- mature exactly when the window has closed at the as-of time; dropped exactly when
-- mature, connected and not activated; stalled only while the window is still open,
-- connected and not activated; never more milestones completed than apply. Built on the
-- generic test expression_is_true; returns the users that break any of it.

{{ test_expression_is_true(
    model=ref('fct_user_activation'),
    expression="
        (connected_at is null or (connected_at >= signed_up_at and connected_at <= window_ends_at))
        and (first_value_at is null or (
            connected_at is not null
            and first_value_at >= connected_at
            and first_value_at <= window_ends_at
        ))
        and is_connected = (connected_at is not null)
        and is_activated = (first_value_at is not null)
        and is_mature = (window_ends_at <= as_of)
        and dropped_after_connection = (is_mature and is_connected and not is_activated)
        and (not is_stalled or (not is_mature and is_connected and not is_activated))
        and milestones_completed <= milestones_applicable
    "
) }}
