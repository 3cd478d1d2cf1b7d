{#- A natural key as delivered: trimmed, with empty text treated as missing. -#}
{% macro clean_key(column) -%}
    nullif(trim({{ column }}), '')
{%- endmacro %}

{#- One Bronze row's id: its batch plus its position in the batch. -#}
{% macro bronze_row_id(position_columns) -%}
    {%- set parts = ['_batch_id'] -%}
    {%- for column in position_columns -%}
        {%- do parts.extend(["':'", "cast(" ~ column ~ " as " ~ dbt.type_string() ~ ")"]) -%}
    {%- endfor -%}
    {{ dbt.concat(parts) }}
{%- endmacro %}

{#-
    A surrogate key: the hash of the given columns' text, joined with a separator (nulls
    become an empty string), built on dbt's cross-database `hash` and `concat`.
-#}
{% macro surrogate_key(columns) -%}
    {%- set parts = [] -%}
    {%- for column in columns -%}
        {%- do parts.append("coalesce(cast(" ~ column ~ " as " ~ dbt.type_string() ~ "), '')") -%}
        {%- if not loop.last %}{% do parts.append("'|'") %}{% endif -%}
    {%- endfor -%}
    {{ dbt.hash(dbt.concat(parts)) }}
{%- endmacro %}

{#- The key of the explicit "unknown" member every dimension carries. -#}
{% macro unknown_key() -%}
    '-1'
{%- endmacro %}
