-- fct_user_activation version 1, deprecated: the relation `fct_user_activation` that BI
-- tools read before version 2, kept until its deprecation_date (_core__models.yml) so
-- they can move to fct_user_activation_v2. The same rows and values as version 2; only
-- the columns whose names carried a setting's default keep those old names (they hold
-- whatever post_connection_minutes and return_window_days are in force, not 30 and 7).
-- On DuckDB a view of version 2, elsewhere a table (macro projection_materialization).

{{ config(materialized=projection_materialization()) }}

with

user_activation as (
    select * from {{ projection_source(ref('fct_user_activation', v=2)) }}
),

final as (
    select
        user_id,
        account_id,
        signed_up_at,
        signup_cohort_week,
        company_size_band,
        signup_channel,
        is_in_scope,
        data_source_type,
        connected_at,
        is_connected,
        connection_id,
        first_value_at,
        is_activated,
        is_mature,
        window_ends_at,
        as_of,
        minutes_to_first_value,
        post_connection_actions as post_connection_actions_30m,
        had_value_event_post_connection as had_value_event_30m,
        saw_empty_state_post_connection as saw_empty_state_30m,
        had_sync_failed_post_connection as had_sync_failed_30m,
        saw_empty_state_before_value_post_connection as saw_empty_state_before_value_30m,
        viewed_template_gallery_before_value_post_connection as viewed_template_gallery_before_value_30m,
        data_ready_minutes,
        sync_failed_before_ready,
        first_sync_error_code,
        connecting_session_minutes,
        dropped_after_connection,
        returned_after_drop,
        returned_within_return_window as returned_within_7d,
        last_action_at,
        is_stalled,
        current_milestone,
        milestones_completed,
        milestones_applicable
    from user_activation
)

select * from final
