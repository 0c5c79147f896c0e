{#- Whether a milestone applies to a company size band. The seed's
    applies_to_size_bands is `all` or bands joined by `|` (e.g. `200-500|501+`); the
    comparison is done on the data, so a seed value is never pasted into SQL. -#}
{% macro milestone_applies(applies_to_size_bands, company_size_band) -%}
    (
        {{ applies_to_size_bands }} = 'all'
        or {{ dbt.concat(["'|'", applies_to_size_bands, "'|'"]) }}
        like {{ dbt.concat(["'%|'", company_size_band, "'|%'"]) }}
    )
{%- endmacro %}
