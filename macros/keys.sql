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
