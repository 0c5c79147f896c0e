-- Experiment read-out, one row per flag and variant. Per flag, a mature user in the
-- metrics counts when their FIRST exposure to the flag (by exposed_at, then exposure_id)
-- is at or after signup, within the activation window and strictly before first value
-- (if any): the exposure could still change whether they activate. Their variant is that
-- exposure's. A user who saw two or more variants of the flag (any of their exposures up
-- to the as-of time) is contaminated: left out of every variant and counted apart in
-- users_excluded_multiple_variants. Each variant is compared with the control variant
-- (var control_variant) by a two-sided pooled two-proportion z-test.

{%- set control_variant = setting('control_variant') %}

with

exposures as (
    select * from {{ ref('stg_app__flag_exposures') }}
),

users as (
    select
        user_id,
        signed_up_at,
        first_value_at,
        is_mature,
        is_activated,
        as_of
    from {{ ref('fct_user_activation') }}
),

-- Read twice (the first exposures; the variants of each flag) and computed twice: storing
-- a CTE's rows costs more than this join (macro not_materialized).
user_exposures as {{ not_materialized() }} (
    select
        exposures.exposure_id,
        exposures.user_id,
        exposures.flag_key,
        exposures.variant,
        exposures.exposed_at,
        users.signed_up_at,
        users.first_value_at,
        users.is_mature,
        users.is_activated
    from exposures
    inner join users
        on exposures.user_id = users.user_id
    where
        exposures.flag_key is not null
        and exposures.variant is not null
        and exposures.exposed_at is not null
        and exposures.exposed_at <= users.as_of
),

-- Per user and flag, in one aggregate (macro first_value_by, not a window ranking every
-- exposure: at 10M short-journey events the window was 1.5 s of this model's 2.6 s): the
-- first exposure's time and variant, and whether the user saw more than one variant (the
-- least and greatest differ: a count of distinct variants took two more aggregates and a
-- join, about a fifth of the model's time). The user's own columns are the same on each
-- of their rows.
first_exposures as (
    select
        user_id,
        flag_key,
        signed_up_at,
        first_value_at,
        is_mature,
        is_activated,
        min(exposed_at) as exposed_at,
        {{ first_value_by('variant', 'exposed_at, exposure_id') }} as variant,
        min(variant) != max(variant) as saw_multiple_variants
    from user_exposures
    group by
        user_id,
        flag_key,
        signed_up_at,
        first_value_at,
        is_mature,
        is_activated
),

eligible_users as (
    select
        user_id,
        flag_key,
        variant,
        is_activated,
        saw_multiple_variants
    from first_exposures
    where
        is_mature
        and {{ is_within_window('exposed_at', 'signed_up_at') }}
        and (
            first_value_at is null
            or exposed_at < first_value_at
        )
),

flag_variants as (
    select distinct
        flag_key,
        variant
    from user_exposures
),

variant_counts_by_flag as (
    select
        flag_key,
        variant,
        count(*) as exposed_users,
        sum(case when is_activated then 1 else 0 end) as activated_users
    from eligible_users
    where not saw_multiple_variants
    group by flag_key, variant
),

excluded_by_flag as (
    select
        flag_key,
        count(*) as users_excluded_multiple_variants
    from eligible_users
    where saw_multiple_variants
    group by flag_key
),

variant_rates as (
    select
        flag_variants.flag_key,
        flag_variants.variant,
        flag_variants.variant = {{ control_variant }} as is_control,
        coalesce(variant_counts_by_flag.exposed_users, 0) as exposed_users,
        coalesce(variant_counts_by_flag.activated_users, 0) as activated_users,
        coalesce(excluded_by_flag.users_excluded_multiple_variants, 0) as users_excluded_multiple_variants
    from flag_variants
    left join variant_counts_by_flag
        on flag_variants.flag_key = variant_counts_by_flag.flag_key
        and flag_variants.variant = variant_counts_by_flag.variant
    left join excluded_by_flag
        on flag_variants.flag_key = excluded_by_flag.flag_key
),

controls as (
    select
        flag_key,
        exposed_users as control_exposed_users,
        activated_users as control_activated_users
    from variant_rates
    where is_control
),

with_control as (
    select
        variant_rates.flag_key,
        variant_rates.variant,
        variant_rates.is_control,
        variant_rates.exposed_users,
        variant_rates.activated_users,
        variant_rates.users_excluded_multiple_variants,
        controls.control_exposed_users,
        controls.control_activated_users,
        {{ stat_to_double('variant_rates.activated_users') }}
        / nullif({{ stat_to_double('variant_rates.exposed_users') }}, 0) as activation_rate,
        {{ stat_to_double('controls.control_activated_users') }}
        / nullif({{ stat_to_double('controls.control_exposed_users') }}, 0) as control_activation_rate,
        {{ two_proportion_z(
            'controls.control_activated_users', 'controls.control_exposed_users',
            'variant_rates.activated_users', 'variant_rates.exposed_users'
        ) }} as z_vs_control
    from variant_rates
    left join controls
        on variant_rates.flag_key = controls.flag_key
),

final as (
    select
        flag_key,
        variant,
        is_control,
        cast(exposed_users as {{ dbt.type_bigint() }}) as exposed_users,
        cast(activated_users as {{ dbt.type_bigint() }}) as activated_users,
        activation_rate,
        {{ wilson_interval_low('activated_users', 'exposed_users') }} as activation_rate_ci_low,
        {{ wilson_interval_high('activated_users', 'exposed_users') }} as activation_rate_ci_high,
        cast(
            case
                when is_control then case when activation_rate is not null then 0.0 end
                else activation_rate - control_activation_rate
            end
            as {{ stat_double_type() }}
        ) as diff_vs_control,
        case
            when not is_control then {{ two_sided_p_value('z_vs_control') }}
        end as p_value,
        cast(users_excluded_multiple_variants as {{ dbt.type_bigint() }}) as users_excluded_multiple_variants
    from with_control
)

select * from final
