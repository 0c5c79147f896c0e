-- The restated raw days still judged (one row per day): a day found restated (rows
-- deleted, replaced or altered after a build had read them; macro dq_restated_days) is
-- judged like a new day while it was detected no more than `dq_judged_recent_days` days
-- before the data clock (int_dq_judgement_scope).

-- It reads history.raw_event_restatements, which no ref() names, so its fingerprint could
-- not see a new restatement: it is rebuilt every run (macro fingerprint_input_signatures).
-- 'history': it reads only the history schema, which dbt's own hooks write, so the check
-- before a build (`build --if-changed`, macro record_source_signatures) can vouch for it.
{{ config(meta={'reads_unlisted_tables': 'history'}) }}

with

restated as (
    {{ dq_restated_days() }}
),

scope as (
    select restated_detected_from
    from {{ ref('int_dq_judgement_scope') }}
),

final as (
    select distinct restated.received_date
    from restated
    cross join scope
    where
        restated.received_date is not null
        and restated.detected_through >= scope.restated_detected_from
)

select * from final
