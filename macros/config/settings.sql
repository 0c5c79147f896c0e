{#- The settings registry: every dbt var of the project, once, with its type, bounds,
    default, unit, meaning and (for a pair) its order rule. Everything else reads it:
    - setting(name), the one accessor models, macros and tests use (type and bounds from
      here; the default from here unless `dbt build --vars '{name: value}'` overrides it);
    - validate_vars() (on-run-start), which checks every setting and every order rule;
    - the mart activation_settings, one row per setting with the value in force;
    - activation_warehouse/settings.py (the README's settings table, the report's fallback).
    dbt_project.yml holds no vars block: a default lives here only.

    The block between `set settings_yaml` and `endset` is plain YAML, which dbt parses with
    fromyaml and Python with yaml.safe_load (dbt's Jinja cannot read a file, Python cannot
    run a macro): keep it free of template syntax. Fields:
      name     the var name (never rename one: builds and jobs pass it with --vars)
      type     integer | number | date | identifier | text | timestamp_or_null
      min/max  inclusive bounds of an integer or number (absent: unbounded on that side)
      default  the value when no --vars sets it (dates quoted, so YAML keeps them text)
      unit     what one unit of the value is
      at_most  another setting this one must not exceed (a pair's order rule)
      choices  the only values an identifier may take (absent: any identifier)
      meaning  what the setting does, for the docs, the mart and the report

    YAML files (sources, semantic metrics) cannot call a macro, so where one reads a setting
    it writes `var(name, default)` with the default restated; tests/python/test_settings.py
    keeps every such fallback equal to this registry. -#}
{#- The registry's YAML text (settings_registry parses it whole, setting_spec one entry). -#}
{% macro _settings_yaml() -%}
{%- set settings_yaml -%}
- name: raw_schema
  type: identifier
  default: raw
  unit: schema
  meaning: The schema holding the five raw tables of the raw data contract (sources).
- name: event_collector
  type: identifier
  choices: [raw, segment, rudderstack]
  default: raw
  unit: collector
  meaning: >-
    Where the events come from: raw reads raw_schema.events; segment or rudderstack read the
    collector's tracks and per-event tables in collector_schema (docs/pipelines.md). The
    application tables come from raw_schema either way.
- name: collector_schema
  type: identifier
  default: segment
  unit: schema
  meaning: The schema the collector (Segment, RudderStack) writes its tables to; read only when event_collector is not raw.
- name: min_event_date
  type: date
  default: "2015-01-01"
  unit: date (UTC)
  meaning: The earliest believable event time; an event that occurred before it is quarantined.
- name: max_clock_skew_days
  type: integer
  min: 0
  max: 3650
  default: 1
  unit: days
  meaning: How far a client clock may run ahead of the collector before an event is quarantined.
- name: session_timeout_minutes
  type: integer
  min: 1
  max: 1440
  default: 30
  unit: minutes
  meaning: A longer gap between a user's actions starts a new session (a gap of exactly this long does not).
- name: incremental_lookback_hours
  type: integer
  min: 0
  max: 8760
  default: 3
  unit: hours
  meaning: >-
    Incremental runs re-read the raw events received this long before the latest already
    built, so a load lagging the previous one by less is still picked up (README, "Incremental builds").
- name: run_results_kept_builds
  type: integer
  min: 1
  max: 100000
  default: 200
  unit: invocations
  meaning: >-
    How many dbt invocations history.dbt_run_results keeps (each build's node and test
    results, for results over time); older ones are removed at the end of a run.
- name: max_funnel_steps
  type: integer
  min: 2
  max: 20
  default: 8
  unit: steps
  meaning: How many funnel steps the milestone engine walks (seeds/milestones may define up to this many).
- name: activation_window_days
  type: integer
  min: 1
  max: 3650
  default: 14
  unit: days
  meaning: The activation window after signup; it covers the whole funnel, bounds included.
- name: post_connection_minutes
  type: integer
  min: 1
  max: 10080
  default: 30
  unit: minutes
  meaning: The time after connecting a data source whose user actions decide a post-connection drop.
- name: return_window_days
  type: integer
  min: 1
  max: 3650
  default: 7
  unit: days
  meaning: A dropped user returned within the return window when a new session starts at most this long after connecting.
- name: stall_days
  type: integer
  min: 1
  max: 3650
  default: 3
  unit: days
  meaning: A connected user not yet activated, window open, with no user action for this long is stalled.
- name: as_of
  type: timestamp_or_null
  default: null
  unit: UTC time
  meaning: >-
    The as-of time of every metric; null means the latest clean event time, a date means
    00:00 UTC that day.
- name: in_scope_min_employees
  type: integer
  min: 1
  default: 50
  unit: employees
  at_most: in_scope_max_employees
  meaning: Smallest company in scope of the product question (inclusive).
- name: in_scope_max_employees
  type: integer
  min: 1
  default: 500
  unit: employees
  meaning: Largest company in scope of the product question (inclusive).
- name: invest_threshold
  type: number
  min: 0
  max: 1
  default: 0.40
  unit: share (0 to 1)
  meaning: "Verdict invest: the post-connection drop rate's Wilson 95% lower bound lies above this."
- name: defer_threshold
  type: number
  min: 0
  max: 1
  default: 0.15
  unit: share (0 to 1)
  at_most: invest_threshold
  meaning: "Verdict defer: the post-connection drop rate's Wilson 95% upper bound lies below this."
- name: min_decision_users
  type: integer
  min: 1
  default: 30
  unit: users
  meaning: With fewer mature, in-scope, connected users the verdict is investigate.
- name: min_driver_bucket_users
  type: integer
  min: 1
  default: 10
  unit: users
  meaning: A driver bucket with fewer users does not count toward the driver's spread.
- name: control_variant
  type: text
  default: control
  unit: variant label
  meaning: The experiment variant every other variant is compared with.
- name: activated_to_paid_rate
  type: number
  min: 0
  max: 1
  default: 0.30
  unit: share (0 to 1)
  meaning: Opportunity sizing, the share of newly activated accounts that become paying.
- name: dq_min_judged_rows
  type: integer
  min: 1
  max: 1000000
  default: 5
  unit: rows
  meaning: A data-quality share over fewer rows than this is shown, not judged.
- name: dq_judged_recent_days
  type: integer
  min: 0
  max: 10000
  default: 3
  unit: days
  meaning: A data-quality breach fails the build only when its day is at most this many days before the latest raw received_at (or restated); older ones show as historical.
- name: dq_coverage_warn_below
  type: number
  min: 0
  max: 1
  default: 0.90
  unit: share (0 to 1)
  meaning: Tracked share of raw users or connections per day below which coverage warns (demo about 0.975 and 0.99).
- name: dq_coverage_error_below
  type: number
  min: 0
  max: 1
  default: 0.75
  unit: share (0 to 1)
  at_most: dq_coverage_warn_below
  meaning: Tracked share below which coverage is an error.
- name: dq_required_property_warn_above
  type: number
  min: 0
  max: 1
  default: 0.15
  unit: share (0 to 1)
  at_most: dq_required_property_error_above
  meaning: Share of an event missing a required property above which conformance warns (demo 0.034 at most).
- name: dq_required_property_error_above
  type: number
  min: 0
  max: 1
  default: 0.30
  unit: share (0 to 1)
  meaning: Share of an event missing a required property above which conformance is an error.
- name: dq_out_of_plan_warn_above
  type: number
  min: 0
  max: 1
  default: 0.02
  unit: share (0 to 1)
  meaning: Share of a day's events under one name outside the tracking plan above which conformance warns (demo about 0.006; warn only).
- name: dq_volume_baseline_days
  type: integer
  min: 3
  max: 365
  default: 28
  unit: days
  meaning: Trailing days a day's event volume is compared with.
- name: dq_volume_min_baseline_days
  type: integer
  min: 1
  max: 365
  default: 14
  unit: days
  at_most: dq_volume_baseline_days
  meaning: With fewer days of history a day's volume is not judged.
- name: dq_volume_warn_score
  type: number
  min: 0
  max: 1000
  default: 4.5
  unit: robust score
  at_most: dq_volume_error_score
  meaning: A volume drop score at or below minus this warns (demo at least -3.8).
- name: dq_volume_error_score
  type: number
  min: 0
  max: 1000
  default: 6.0
  unit: robust score
  meaning: A volume drop score at or below minus this is an error.
- name: dq_late_after_hours
  type: integer
  min: 1
  max: 8760
  default: 24
  unit: hours
  meaning: An event received this long after it occurred is late.
- name: dq_late_share_warn_above
  type: number
  min: 0
  max: 1
  default: 0.03
  unit: share (0 to 1)
  at_most: dq_late_share_error_above
  meaning: Share of a day's events arriving late above which lateness warns (demo about 0.005).
- name: dq_late_share_error_above
  type: number
  min: 0
  max: 1
  default: 0.10
  unit: share (0 to 1)
  meaning: Share of a day's events arriving late above which lateness is an error.
- name: dq_event_freshness_warn_hours
  type: integer
  min: 1
  max: 87600
  default: 36
  unit: hours
  at_most: dq_event_freshness_error_hours
  meaning: >-
    raw.events' latest received_at this far behind warns, in the build (behind the freshest
    raw table) and in dbt source freshness (behind now).
- name: dq_event_freshness_error_hours
  type: integer
  min: 1
  max: 87600
  default: 72
  unit: hours
  meaning: raw.events this far behind is an error (the build's check and dbt source freshness).
- name: dq_app_freshness_warn_hours
  type: integer
  min: 1
  max: 87600
  default: 168
  unit: hours
  at_most: dq_app_freshness_error_hours
  meaning: >-
    An application table's latest row this far behind warns (they change slower), in the
    build and in dbt source freshness.
- name: dq_app_freshness_error_hours
  type: integer
  min: 1
  max: 87600
  default: 720
  unit: hours
  meaning: An application table this far behind is an error (the build's check and dbt source freshness).
- name: dq_quarantine_share_warn_above
  type: number
  min: 0
  max: 1
  default: 0.02
  unit: share (0 to 1)
  at_most: dq_quarantine_share_error_above
  meaning: Share of a day's raw rows quarantined for one reason above which it warns (demo at most 0.004).
- name: dq_quarantine_share_error_above
  type: number
  min: 0
  max: 1
  default: 0.05
  unit: share (0 to 1)
  meaning: Share of a day's raw rows quarantined for one reason above which it is an error.
- name: dq_duplicate_share_warn_above
  type: number
  min: 0
  max: 1
  default: 0.05
  unit: share (0 to 1)
  at_most: dq_duplicate_share_error_above
  meaning: Share of a day's raw rows that are duplicates above which it warns (demo about 0.02).
- name: dq_duplicate_share_error_above
  type: number
  min: 0
  max: 1
  default: 0.15
  unit: share (0 to 1)
  meaning: Share of a day's raw rows that are duplicates above which it is an error.
- name: dq_window_days
  type: integer
  min: 1
  max: 365
  default: 7
  unit: days
  meaning: >-
    Besides each day, every data-quality share is judged over the trailing window of this many
    days ending on the day (summed counts), so damage spread thin over many days is caught.
- name: dq_window_tightening
  type: number
  min: 0
  max: 1
  default: 0.5
  unit: factor (0 to 1)
  meaning: >-
    The window's thresholds are the day's tightened by this factor: this times the threshold for
    a share too high is bad, 1 - this x (1 - threshold) for coverage; 1 judges the window like a day.
- name: dq_new_event_name_min_rows
  type: integer
  min: 1
  max: 100000000
  default: 50
  unit: events
  meaning: >-
    An event name outside the tracking plan, never seen before, arriving with at least this many
    clean events on its first day is an error (a renamed event); demo none.
{%- endset -%}
    {{ return(settings_yaml) }}
{%- endmacro %}

{% macro settings_registry() -%}
    {{ return(fromyaml(_settings_yaml())) }}
{%- endmacro %}

{#- One setting's registry entry; an unknown name is a programming error, named. Only the
    entry's own lines are parsed: setting() is called about a hundred times in a run, and
    parsing the whole registry each time (2.7 ms a call) cost about 0.7 s of CPU in a run
    with nothing new (docs/performance-log.md, "Fourth session of 2026-12-05"). An entry runs from its
    `- name:` line to the next one; names are unique (test_settings.py). -#}
{% macro setting_spec(name) -%}
    {%- set text = '\n' ~ _settings_yaml() ~ '\n' -%}
    {%- set start = text.find('\n- name: ' ~ name ~ '\n') -%}
    {%- if start >= 0 -%}
        {%- set end = text.find('\n- name: ', start + 1) -%}
        {%- set entries = fromyaml(text[start:(end if end >= 0 else text | length)]) -%}
        {%- if entries | length == 1 and entries[0].name == name -%}
            {{ return(entries[0]) }}
        {%- endif -%}
    {%- endif -%}
    {{ exceptions.raise_compiler_error("Unknown setting '" ~ name ~ "': it is not in the registry (macros/config/settings.sql).") }}
{%- endmacro %}

{#- The value in force of `spec` (a registry entry), checked against its type and bounds and
    normalised: an integer, a float, or text ('YYYY-MM-DD', an identifier, a label, a
    'YYYY-MM-DD HH:MM:SS' time, or none). -#}
{% macro _setting_value(spec, value) -%}
    {%- set low = spec.get('min') -%}
    {%- set high = spec.get('max') -%}
    {%- if spec.type == 'integer' -%}{{ return(_integer_value(spec.name, value, low, high)) }}
    {%- elif spec.type == 'number' -%}{{ return(_number_value(spec.name, value, low, high)) }}
    {%- elif spec.type == 'date' -%}{{ return(_date_value(spec.name, value)) }}
    {%- elif spec.type == 'identifier' -%}{{ return(_identifier_value(spec.name, value, spec.get('choices'))) }}
    {%- elif spec.type == 'text' -%}{{ return(_text_value(spec.name, value)) }}
    {%- elif spec.type == 'timestamp_or_null' -%}{{ return(_optional_timestamp_value(spec.name, value)) }}
    {%- endif -%}
    {{ exceptions.raise_compiler_error("Setting '" ~ spec.name ~ "' has an unknown type '" ~ spec.type ~ "' in the registry.") }}
{%- endmacro %}

{#- The one accessor: the setting's value in force, checked (a bad value stops the build
    with a message naming the var). Numbers come back as numbers, a date, an identifier or a
    time as text that is safe inside quotes, a `text` setting as a quoted SQL literal (a
    label is data, so it is never pasted bare), `as_of` unset as none. -#}
{% macro setting(name) -%}
    {%- set spec = setting_spec(name) -%}
    {%- set value = _setting_value(spec, var(name, spec.default)) -%}
    {%- if spec.type == 'text' -%}
        {{ return(sql_string_literal(value)) }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}

{#- A normalised value as text for the settings mart (none stays none). -#}
{% macro _setting_text(value) -%}
    {{ return(none if value is none else (value | string)) }}
{%- endmacro %}

{#- Every setting with its value in force and its default, both normalised to text by the
    same checks, for the mart activation_settings. Each entry is looked up by setting_spec,
    as setting() does, so the mart shows what the models read (and the test comparing the
    mart with Python's parse of the whole registry checks every entry's lookup). -#}
{% macro settings_in_force() -%}
    {%- set rows = [] -%}
    {%- for listed in settings_registry() -%}
        {%- set spec = setting_spec(listed.name) -%}
        {%- set value_text = _setting_text(_setting_value(spec, var(spec.name, spec.default))) -%}
        {%- set default_text = _setting_text(_setting_value(spec, spec.default)) -%}
        {%- do rows.append({
            'name': spec.name, 'type': spec.type, 'unit': spec.unit, 'meaning': spec.meaning,
            'value_text': value_text, 'default_text': default_text,
            'differs': value_text != default_text,
        }) -%}
    {%- endfor -%}
    {{ return(rows) }}
{%- endmacro %}
