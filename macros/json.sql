{#- A top-level field of a JSON text column, as text (null when absent or JSON null). -#}
{% macro json_text(column, field) -%}
    {{ return(adapter.dispatch('json_text', 'mobility_lakehouse')(column, field)) }}
{%- endmacro %}

{% macro default__json_text(column, field) -%}
    json_extract_string({{ column }}, '$.{{ field }}')
{%- endmacro %}

{% macro spark__json_text(column, field) -%}
    get_json_object({{ column }}, '$.{{ field }}')
{%- endmacro %}

{#- Milliseconds since the Unix epoch as a UTC timestamp. -#}
{% macro timestamp_from_epoch_ms(expression) -%}
    {{ return(adapter.dispatch('timestamp_from_epoch_ms', 'mobility_lakehouse')(expression)) }}
{%- endmacro %}

{% macro default__timestamp_from_epoch_ms(expression) -%}
    epoch_ms(cast({{ expression }} as bigint))
{%- endmacro %}

{% macro spark__timestamp_from_epoch_ms(expression) -%}
    timestamp_millis(cast({{ expression }} as bigint))
{%- endmacro %}
