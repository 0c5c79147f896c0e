-- Nothing lost: every raw event row ends in exactly one place. Fails (one row) when
-- raw != clean + quarantined + duplicates.

with

counts as (
    select
        (select count(*) from {{ event_rows() }}) as raw_rows,
        (select count(*) from {{ ref('fct_events') }}) as clean_rows,
        (select count(*) from {{ ref('event_quarantine') }}) as quarantined_rows,
        (select count(*) from {{ ref('event_duplicates') }}) as duplicate_rows
)

select *
from counts
where raw_rows != clean_rows + quarantined_rows + duplicate_rows
