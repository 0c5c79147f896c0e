-- The run window: what this invocation's incremental models take as new, computed once,
-- before any of them runs (docs/incremental-builds.md). One row per incremental model;
-- each reads its own row through macro run_window, so no model measures its own table.
--   received_from    where the models that take raw rows by received_at start re-reading:
--                    their latest received_at less var incremental_lookback_hours, so a
--                    load whose received_at lags the previous one by less than that is
--                    still judged; 1900-01-01 when the model holds no row or is rebuilt.
--   loaded_through   the latest upstream stamp the model has consumed (1900-01-01 likewise):
--                    it takes the upstream rows stamped later.
-- Rebuilt on every run (a table of a few rows): a window from another invocation would
-- hold an earlier run's bounds, and macro run_window refuses to read one.

-- (meta run_bounds: the fingerprints of the incremental models leave it out, macro
-- fingerprint_input_signatures: it measures their own tables, which a kept model leaves
-- as they were.)

{{ config(materialized='table', meta={'run_bounds': true}) }}

with

-- (Read whole even in a `dbt build --empty`: the models would otherwise find no window.)
watermarks as (
    select * from {{ ref('int_run_watermarks').render() }}
),

final as (
    select
        model_name,
        is_full_refresh,
        latest_received_at,
        coalesce(
            {{ dbt.dateadd('hour', -1 * setting('incremental_lookback_hours'), 'latest_received_at') }},
            cast('1900-01-01' as {{ dbt.type_timestamp() }})
        ) as received_from,
        coalesce(latest_stamp, cast('1900-01-01' as {{ dbt.type_timestamp() }})) as loaded_through,
        '{{ invocation_id }}' as invocation_id
    from watermarks
)

select * from final
