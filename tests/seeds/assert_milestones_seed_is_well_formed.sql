-- The activation definition is data a team edits; this test says in words what an edit
-- broke. One row per problem: signup must be the first funnel step; exactly one funnel
-- step has each of the roles signup, connection and activation; only funnel steps have
-- roles; funnel steps apply to every size band; required counts are at least 1; there are
-- no more funnel steps than the engine walks (var max_funnel_steps); every size band a
-- milestone names exists (a misspelt band would silently never apply); and every
-- milestone_events row names a known milestone.

with

milestones as (
    select * from {{ ref('milestones') }}
),

milestone_events as (
    select * from {{ ref('milestone_events') }}
),

company_size_bands as (
    select * from {{ ref('company_size_bands') }}
),

-- Bands are counted on the data (by the one rule that applies them), never pasted into
-- SQL: a milestone listing n bands must match n known ones.
named_band_matches as (
    select
        milestones.milestone_key,
        {{ dbt.length('milestones.applies_to_size_bands') }}
        - {{ dbt.length(dbt.replace('milestones.applies_to_size_bands', "'|'", "''")) }}
        + 1 as bands_named,
        count(company_size_bands.company_size_band) as bands_known
    from milestones
    left join company_size_bands
        on {{ milestone_applies('milestones.applies_to_size_bands', 'company_size_bands.company_size_band') }}
    where milestones.applies_to_size_bands != 'all'
    group by milestones.milestone_key, milestones.applies_to_size_bands
),

funnel_steps as (
    select
        milestone_key,
        milestone_role,
        row_number() over (order by milestone_order, milestone_key) as step_position
    from milestones
    where is_funnel_step
),

problems as (
    select
        'signup is not the first funnel step' as problem,
        milestone_key
    from funnel_steps
    where step_position = 1 and coalesce(milestone_role, '') != 'signup'

    union all

    select
        'role ' || required_roles.role_name || ' must be on exactly one funnel step' as problem,
        cast(null as {{ dbt.type_string() }}) as milestone_key
    from (
        select 'signup' as role_name
        union all
        select 'connection' as role_name
        union all
        select 'activation' as role_name
    ) as required_roles
    left join funnel_steps
        on required_roles.role_name = funnel_steps.milestone_role
    group by required_roles.role_name
    having count(funnel_steps.milestone_key) != 1

    union all

    select
        'only funnel steps may have a role' as problem,
        milestone_key
    from milestones
    where not is_funnel_step and coalesce(milestone_role, '') != ''

    union all

    select
        'a funnel step must apply to all size bands' as problem,
        milestone_key
    from milestones
    where is_funnel_step and applies_to_size_bands != 'all'

    union all

    select
        'required_count must be at least 1' as problem,
        milestone_key
    from milestones
    where required_count is null or required_count < 1

    union all

    select
        'more funnel steps than var max_funnel_steps' as problem,
        milestone_key
    from funnel_steps
    where step_position > {{ setting('max_funnel_steps') }}

    union all

    select
        'applies_to_size_bands names a size band not in company_size_bands' as problem,
        milestone_key
    from named_band_matches
    where bands_known < bands_named

    union all

    select
        'milestone_events names an unknown milestone' as problem,
        milestone_events.milestone_key
    from milestone_events
    left join milestones
        on milestone_events.milestone_key = milestones.milestone_key
    where milestones.milestone_key is null
)

select * from problems
