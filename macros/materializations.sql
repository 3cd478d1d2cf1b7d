{#-
    The materialization of a model kept up to date with delete+insert: incremental where the
    engine can DELETE (DuckDB); elsewhere a table rebuilt in full on every run, because Parquet
    tables on open-source Spark lack DELETE (same rows; docs/spark.md).
-#}
{% macro delete_insert_materialization() -%}
    {{ return(adapter.dispatch('delete_insert_materialization', 'mobility_lakehouse')()) }}
{%- endmacro %}

{% macro default__delete_insert_materialization() -%}
    {{ return('table') }}
{%- endmacro %}

{% macro duckdb__delete_insert_materialization() -%}
    {{ return('incremental') }}
{%- endmacro %}
