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
