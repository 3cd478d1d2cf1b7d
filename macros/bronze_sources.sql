{#-
    Make the Bronze tables readable as sources (an on-run-start hook). DuckDB reads them through
    the project's dbt-duckdb plugin (either format), which registers a source when a node first
    refers to it; registering them all here, before the threads start, avoids dbt-duckdb
    registering two at once (its registry is not thread-safe: "dictionary changed size during
    iteration"). On Spark each source becomes a view in the `bronze` schema over its table
    (`meta.bronze_table_path`) in the format Bronze is written in (`BRONZE_FORMAT`): `delta`
    needs the Delta Lake JARs and session extension; `parquet` (plain Parquet Bronze, read with
    its partitions, the schema from its `_common_metadata`) works on any Spark (docs/spark.md).
-#}
{% macro register_bronze_sources() -%}
    {{ return(adapter.dispatch('register_bronze_sources')()) }}
{%- endmacro %}

{% macro default__register_bronze_sources() -%}
    select 1
{%- endmacro %}

{% macro duckdb__register_bronze_sources() -%}
    {%- if execute -%}
        {%- for node in graph.sources.values() if node.package_name == project_name -%}
            {%- do source(node.source_name, node.name) -%}
        {%- endfor -%}
    {%- endif -%}
    select 1
{%- endmacro %}

{% macro spark__register_bronze_sources() -%}
    {%- if execute -%}
        {%- set bronze_format = env_var('BRONZE_FORMAT', 'delta') | trim | lower or 'delta' -%}
        {%- if bronze_format not in ('delta', 'parquet') -%}
            {{ exceptions.raise_compiler_error(
                "BRONZE_FORMAT must be delta or parquet, not '" ~ bronze_format ~ "'"
            ) }}
        {%- endif -%}
        {%- if bronze_format == 'delta' and 'DeltaSparkSessionExtension'
            not in run_query('set spark.sql.extensions').columns[1].values()[0] -%}
            {{ exceptions.raise_compiler_error(
                "Bronze is Delta Lake (BRONZE_FORMAT=delta) but this Spark has no Delta reader "
                ~ "(spark.sql.extensions lacks io.delta.sql.DeltaSparkSessionExtension). Either "
                ~ "add the Delta Lake JARs and session extension (docs/spark.md) or ingest "
                ~ "into a lakehouse with BRONZE_FORMAT=parquet and run dbt with it set too."
            ) }}
        {%- endif -%}
        {{ log(
            "Spark: Bronze is read as " ~ bronze_format ~ (
                "; the ML models are skipped on this target (dbt Python models need type "
                ~ "spark_session: targets spark_local, spark_connect)" if target.type == 'spark'
                else ""
            ) ~ ". See docs/spark.md.",
            info=true
        ) }}
        {%- set statements = ['create schema if not exists bronze'] -%}
        {%- for source in graph.sources.values()
            if source.package_name == project_name and source.meta.bronze_table_path -%}
            {%- set path = source.meta.bronze_table_path -%}
            {#- Delta reads delta.`path` only for an absolute path (or a URL), and a server's
                working directory is not dbt's: a relative LAKEHOUSE_DIR (the default,
                `lakehouse`) is taken from the project's directory. -#}
            {%- if not (path.startswith('/') or ':' in path) -%}
                {%- set path = invocation_args_dict.project_dir ~ '/' ~ path -%}
            {%- endif -%}
            {%- do statements.append(
                'create or replace view bronze.' ~ source.name ~ ' as select * from '
                ~ bronze_format ~ '.`' ~ path ~ '`'
            ) -%}
        {%- endfor -%}
        {%- for statement in statements -%}
            {%- do run_query(statement) -%}
        {%- endfor -%}
    {%- endif -%}
    select 1
{%- endmacro %}

{#- The audit columns every Bronze row carries, in their usual order. -#}
{% macro audit_columns() -%}
    _ingested_at,
    _source_file,
    _source_line,
    _batch_id,
    _record_hash
{%- endmacro %}
