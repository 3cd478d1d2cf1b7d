{#-
    The incremental strategy of a model kept up to date by its unique key (the versions tables
    and the incremental facts): delete+insert on DuckDB; merge on Spark, whose Delta tables
    have MERGE (docs/spark.md).
-#}
{% macro upsert_strategy() -%}
    {{ return(adapter.dispatch('upsert_strategy', 'mobility_lakehouse')()) }}
{%- endmacro %}

{% macro default__upsert_strategy() -%}
    {{ return('delete+insert') }}
{%- endmacro %}

{% macro spark__upsert_strategy() -%}
    {{ return('merge') }}
{%- endmacro %}
