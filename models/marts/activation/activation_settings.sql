-- The definition in force: one row per setting (dbt var) of the settings registry
-- (macros/config/settings.sql) with the value this build used, its default, unit and
-- meaning, and whether a --vars override changed it. Built on every build from the registry
-- and the vars in force (nothing is read from a table), so the report, BI tools and anyone
-- comparing two builds read the definition from the warehouse, beside the marts it shaped.
-- The milestones as built are the seeds milestones and milestone_events.

{%- set text = dbt.type_string() %}

with

-- One inline table, not a union of one-row selects: Spark makes a task (and a file) of
-- each select of a union, where its rows of literals are one. The alias below only names
-- the columns (PostgreSQL requires one), hence its noqa.
settings as (
    select *
    from (
        values
        {%- for row in settings_in_force() %}
            (
                cast({{ loop.index }} as {{ dbt.type_int() }}),
                cast({{ sql_string_literal(row.name) }} as {{ text }}),
                cast({{ sql_string_literal(row.type) }} as {{ text }}),
                cast({{ 'null' if row.value_text is none else sql_string_literal(row.value_text) }} as {{ text }}),
                cast({{ 'null' if row.default_text is none else sql_string_literal(row.default_text) }} as {{ text }}),
                {{ 'true' if row.differs else 'false' }},
                cast({{ sql_string_literal(row.unit) }} as {{ text }}),
                cast({{ sql_string_literal(row.meaning) }} as {{ text }})
            ){% if not loop.last %},{% endif %}
        {%- endfor %}
    ) as registry (  -- noqa: AL05
        setting_order,
        setting_name,
        value_type,
        value_in_force,
        default_value,
        differs_from_default,
        unit,
        meaning
    )
)

select * from settings
