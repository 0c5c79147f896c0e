{#- What each input of an incremental model held at the model's last run, and whether some
    of them still hold it (docs/incremental-builds.md, "Context compared after a change").

    `fingerprinted_incremental` computes a signature of every input before it runs a model
    (macro table_fingerprint: a text that changes whenever the input's rows do, following
    views to the tables they read) and, once the run has succeeded, records them in
    history.table_input_signatures, one row per input; they are forgotten before each run,
    so a run that fails half-way leaves none. A model can then ask, while it is compiled,
    whether some of its inputs are the same as at its last run: int_events__resolved
    compares every event's recorded user and account with the app tables (a read of every
    event, about 3 s of CPU at 10M events), which can find nothing when neither changed,
    because each run leaves every event's recorded context equal to what it read. -#}

{% macro record_input_signatures(relation, inputs) -%}
    {%- set rows = [] -%}
    {%- for input_id, signature in inputs -%}
        {%- do rows.append([
            sql_string_literal(relation | string), sql_string_literal(input_id),
            sql_string_literal(signature), sql_string_literal(invocation_id),
        ]) -%}
    {%- endfor -%}
    {%- do history_insert_rows(
        history_table('table_input_signatures'), ['relation_name', 'input_id', 'signature', 'invocation_id'], rows
    ) -%}
{%- endmacro %}

{% macro forget_input_signatures(relation) -%}
    {%- do history_execute([
        'delete from ' ~ history_table('table_input_signatures')
        ~ ' where relation_name = ' ~ sql_string_literal(relation | string)
    ]) -%}
{%- endmacro %}

{#- Whether every input of the models `input_names` (followed through views to what they
    read: the signatures macro fingerprint_input_signatures gives) has the signature now that
    was recorded at the last successful run of the incremental model `model_name`. False
    whenever that cannot be known: no record (a first run, a run that failed, an engine
    without fingerprints), an input without a cheap signature, no execution (parsing);
    the caller then does the work it would skip. -#}
{% macro inputs_unchanged_since_last_run(model_name, input_names) -%}
    {%- if not execute or not table_fingerprints_supported() -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set unique_ids = [] -%}
    {%- for name in input_names -%}
        {%- do unique_ids.append('model.' ~ project_name ~ '.' ~ name) -%}
    {%- endfor -%}
    {%- set selects = [] -%}
    {%- set signed = fingerprint_input_signatures(unique_ids, selects, [], history_table('table_fingerprints')) -%}
    {%- if not signed or not selects -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set query -%}
        with

        current_signatures as (
            {{ selects | join('\nunion all\n') }}
        ),

        recorded as (
            select input_id, signature
            from {{ history_table('table_input_signatures') }}
            where relation_name = {{ sql_string_literal(model_relation(model_name) | string) }}
        )

        select
            count(*) as inputs,
            count(case when current_signatures.signature = recorded.signature then 1 end) as unchanged
        from current_signatures
        left join recorded
            on current_signatures.input_id = recorded.input_id
    {%- endset -%}
    {%- set counts = run_query(query).rows[0] -%}
    {%- set unchanged = counts[0] | int > 0 and counts[0] | int == counts[1] | int -%}
    {{ log(model_name ~ (': unchanged since its last run: ' if unchanged else ': possibly changed since its last run: ')
        ~ (input_names | join(', ')), info=false) }}
    {{ return(unchanged) }}
{%- endmacro %}
