{#- Whether a raw table must hold rows: `meta: {required: false}` in the sources' YAML
    (models/staging/app/_app__sources.yml) marks the optional ones (exposures: a product
    that runs no experiments; connections: one that has none yet). Read from the source definition so the rule lives in one place, beside the
    loader's contract.py, which a test keeps equal to it. True for a table not found, and at
    parse time, when the graph is not yet filled. -#}
{% macro raw_table_is_required(table_name) -%}
    {%- if execute -%}
        {%- for source_table in graph.sources.values()
            if source_table.source_name in raw_contract_sources() and source_table.name == table_name -%}
            {%- set meta = source_table.config.get('meta', {}) or source_table.get('meta', {}) -%}
            {{ return(meta.get('required', true) | string | lower != 'false') }}
        {%- endfor -%}
    {%- endif -%}
    {{ return(true) }}
{%- endmacro %}
