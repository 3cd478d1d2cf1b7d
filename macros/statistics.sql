{#- A continuous percentile (0 <= fraction <= 1) of a numeric column, as an aggregate. -#}
{% macro percentile(column, fraction) -%}
    {{ return(adapter.dispatch('percentile', 'mobility_lakehouse')(column, fraction)) }}
{%- endmacro %}

{% macro default__percentile(column, fraction) -%}
    quantile_cont({{ column }}, {{ fraction }})
{%- endmacro %}

{% macro spark__percentile(column, fraction) -%}
    percentile({{ column }}, {{ fraction }})
{%- endmacro %}
