{#- Deletions in an incremental model (docs/incremental-builds.md, "Deletions"): a row that
    must disappear is written as a tombstone, its key with every other column null, and
    the model's post-hook removes the rows whose `marker` column is null (a column no real
    row leaves null), in the same transaction. delete+insert on the key first replaces the
    stale row with its tombstone; the hook then deletes it. Used by int_events__sessionized
    (marker session_id) and int_sessions (marker started_at). -#}

{#- The select list of a tombstone: `previous`.`key_column`, then a typed null for every
    other column of the model's table in its order (the bookkeeping loaded_through, which
    the model adds last, left out), so it unions with the rows the model writes. -#}
{% macro tombstone_columns(key_column, previous='previous') -%}
    {%- for column in adapter.get_columns_in_relation(this)
        if column.name | lower != 'loaded_through' %}
        {%- if column.name | lower == key_column %}
        {{ previous }}.{{ key_column }}
        {%- else %}
        cast(null as {{ column.dtype }}) as {{ column.name }}
        {%- endif %}{{ ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{#- The post-hook: `post_hook="{{ delete_tombstones('marker') }}"`. -#}
{% macro delete_tombstones(marker) -%}
    {%- if is_incremental() -%}
        delete from {{ this }} where {{ marker }} is null
    {%- endif -%}
{%- endmacro %}
