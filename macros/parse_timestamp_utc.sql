{#-
    Parse an ISO-8601 text timestamp into a UTC timestamp without time zone; text that is not
    a timestamp becomes null. Accepted: "2026-01-05T08:13:22Z", an explicit offset
    ("2026-01-05T09:13:22+01:00") and naive text, which the sources deliver in UTC.
-#}
{% macro parse_timestamp_utc(column) -%}
    {{ return(adapter.dispatch('parse_timestamp_utc', 'mobility_lakehouse')(column)) }}
{%- endmacro %}

{% macro default__parse_timestamp_utc(column) -%}
    try_cast(try_cast(trim({{ column }}) as timestamp with time zone) as timestamp)
{%- endmacro %}

{% macro spark__parse_timestamp_utc(column) -%}
    {#- Spark parses offsets and "Z" natively; the session time zone is UTC. -#}
    try_cast(trim({{ column }}) as timestamp)
{%- endmacro %}
