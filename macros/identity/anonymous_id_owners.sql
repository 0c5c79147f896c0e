{#- Whom an anonymous id belongs to: the user on the first clean event, by
    (occurred_at, event_id), that carries both the anonymous id and a user id. One
    definition, read by int_events__resolved (a full build) and int_events__restated (the
    owners that an incremental run looks up again, which int_events__resolved then takes
    from it), so the two can never disagree.

    `anonymous_ids_in` is a subquery (or null for every anonymous id) restricting which ids
    are looked up: an incremental run reads only the ids its events touch. Returns a select
    of (anonymous_id, user_id). -#}
{% macro anonymous_id_owners(anonymous_ids_in=none) -%}
select
    anonymous_id,
    {{ first_value_by('user_id', 'occurred_at, event_id') }} as user_id
from {{ ref('int_events__classified') }}
where
    event_outcome = 'clean'
    and user_id is not null
    and anonymous_id {{ 'in (' ~ anonymous_ids_in ~ ')' if anonymous_ids_in else 'is not null' }}
group by anonymous_id
{%- endmacro %}
