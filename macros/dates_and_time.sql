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

{#- Milliseconds since the Unix epoch as a UTC timestamp. -#}
{% macro timestamp_from_epoch_ms(expression) -%}
    {{ return(adapter.dispatch('timestamp_from_epoch_ms', 'mobility_lakehouse')(expression)) }}
{%- endmacro %}

{% macro default__timestamp_from_epoch_ms(expression) -%}
    case
        when {{ epoch_ms_is_representable(expression) }}
            then epoch_ms(cast({{ expression }} as bigint))
    end
{%- endmacro %}

{% macro spark__timestamp_from_epoch_ms(expression) -%}
    case
        when {{ epoch_ms_is_representable(expression) }}
            then timestamp_millis(cast({{ expression }} as bigint))
    end
{%- endmacro %}

{#- True when milliseconds since the epoch name an instant from year 1 to 9999, which every
    engine's timestamp holds (false for null); beyond, a conversion would fail. -#}
{% macro epoch_ms_is_representable(expression) -%}
    ({{ expression }} is not null and {{ expression }} between -62135596800000 and 253402300799999)
{%- endmacro %}

{#- Seconds since the Unix epoch, as a number (for slopes and time arithmetic). -#}
{% macro epoch_seconds(column) -%}
    {{ return(adapter.dispatch('epoch_seconds', 'mobility_lakehouse')(column)) }}
{%- endmacro %}

{% macro default__epoch_seconds(column) -%}
    epoch({{ column }})
{%- endmacro %}

{% macro spark__epoch_seconds(column) -%}
    unix_timestamp({{ column }})
{%- endmacro %}

{#- ISO day of week: 1 = Monday ... 7 = Sunday. -#}
{% macro day_of_week(column) -%}
    {{ return(adapter.dispatch('day_of_week', 'mobility_lakehouse')(column)) }}
{%- endmacro %}

{% macro default__day_of_week(column) -%}
    isodow({{ column }})
{%- endmacro %}

{% macro spark__day_of_week(column) -%}
    (dayofweek({{ column }}) + 5) % 7 + 1
{%- endmacro %}

{#- Minutes from one timestamp to another (fractional; null if either is null). -#}
{% macro minutes_between(start_column, end_column) -%}
    cast({{ dbt.datediff(start_column, end_column, 'second') }} as double) / 60
{%- endmacro %}

{#- The start of the fixed window of `minutes` minutes a timestamp falls in. -#}
{% macro window_start(column, minutes) -%}
    {{ return(adapter.dispatch('window_start', 'mobility_lakehouse')(column, minutes)) }}
{%- endmacro %}

{% macro default__window_start(column, minutes) -%}
    time_bucket(interval ({{ minutes }}) minute, {{ column }})
{%- endmacro %}

{% macro spark__window_start(column, minutes) -%}
    timestamp_seconds(floor(unix_timestamp({{ column }}) / ({{ minutes }} * 60)) * ({{ minutes }} * 60))
{%- endmacro %}
