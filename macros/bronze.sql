{#-
    Filter for an incremental copy of a Bronze table: on incremental runs, only the batches
    (one per landed file or micro-batch) that the copy does not hold yet. Batches are matched
    by id; the date bound only lets the scan skip old Bronze partitions.
-#}
{% macro new_bronze_batches() -%}
    {%- if is_incremental() -%}
        _ingest_date >= (
            select coalesce(
                {{ dbt.dateadd('day', -var('bronze_lookback_days'), 'max(_ingest_date)') }},
                cast('1900-01-01' as date)
            )
            from {{ this }}
        )
        and _batch_id not in (select distinct _batch_id from {{ this }})
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{#-
    True for every delivery of a key except the one that is kept: by default the newest
    (later batch, then later file, then later line), as for CSV sources where a re-send
    corrects a record. Rows without a key are never superseded: they are rejected.
-#}
{% macro is_superseded(
    key, order_by='_ingested_at desc, _source_file desc, _source_line desc'
) -%}
    ({{ key }} is not null and row_number() over (
        partition by {{ key }}
        order by {{ order_by }}
    ) > 1)
{%- endmacro %}

{#- A natural key as delivered: trimmed, with empty text treated as missing. -#}
{% macro clean_key(column) -%}
    nullif(trim({{ column }}), '')
{%- endmacro %}

{#- The audit columns every Bronze row carries, in their usual order. -#}
{% macro audit_columns() -%}
    _ingested_at,
    _source_file,
    _source_line,
    _batch_id,
    _record_hash
{%- endmacro %}

{#-
    Incremental validation (models in versions/ folders): on incremental runs, only the
    Bronze batches the validated table does not hold yet.
-#}
{% macro unvalidated_batches() -%}
    {%- if is_incremental() -%}
        _batch_id not in (select distinct _batch_id from {{ this }})
    {%- else -%}
        true
    {%- endif -%}
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
    The rows an incremental validation writes: the newly checked ones, plus the versions
    already validated of every key they touch, as they are (only `is_superseded` is computed
    again, over the whole key). On a full build: every row.
-#}
{% macro with_earlier_versions(checked_cte, key) -%}
    {%- if is_incremental() -%}
        {%- set columns = adapter.get_columns_in_relation(this)
            | map(attribute='name') | reject('equalto', 'is_superseded') | join(', ') -%}
        select {{ columns }} from {{ checked_cte }}
        union all
        select {{ columns }} from {{ this }}
        where {{ key }} in (
            select {{ checked_cte }}.{{ key }} from {{ checked_cte }}
            where {{ checked_cte }}.{{ key }} is not null
        )
    {%- else -%}
        select * from {{ checked_cte }}
    {%- endif -%}
{%- endmacro %}

{#-
    The rows a versions model writes (see with_earlier_versions), each flagged
    `is_superseded` over its whole key.
-#}
{% macro flag_superseded(checked_cte, key, order_by=none) -%}
    select
        *,
        {{ is_superseded(key, order_by) if order_by else is_superseded(key) }} as is_superseded
    from (
        {{ with_earlier_versions(checked_cte, key) }}
    ) as versions
{%- endmacro %}

{#-
    Make the Bronze tables readable as sources (an on-run-start hook). DuckDB reads them through
    the project's dbt-duckdb plugin (either format), which registers a source when a node first
    refers to it; registering them all here, before the threads start, avoids dbt-duckdb
    registering two at once (its registry is not thread-safe: "dictionary changed size during
    iteration"). On Spark each source becomes a view in the `bronze` schema over its table
    (`meta.bronze_table_path`) in the format Bronze is written in (`BRONZE_FORMAT`): `delta`
    needs the Delta Lake JARs and session extension; `parquet` (plain Parquet Bronze, read with
    its partitions, the schema from its `_common_metadata`) works on any Spark (README, Scale-out).
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
                ~ "add the Delta Lake JARs and session extension (README, Scale-out) or ingest "
                ~ "into a lakehouse with BRONZE_FORMAT=parquet and run dbt with it set too."
            ) }}
        {%- endif -%}
        {%- set disabled = 'Elementary is' if target.type == 'spark_session'
            else 'the ML models (dbt Python models need type spark_session) and Elementary are' -%}
        {{ log(
            "Spark: " ~ disabled ~ " disabled on this target; Bronze is read as "
            ~ bronze_format ~ ". See the README, Scale-out.",
            info=true
        ) }}
        {%- set statements = ['create schema if not exists bronze'] -%}
        {%- for source in graph.sources.values()
            if source.package_name == project_name and source.meta.bronze_table_path -%}
            {%- do statements.append(
                'create or replace view bronze.' ~ source.name ~ ' as select * from '
                ~ bronze_format ~ '.`' ~ source.meta.bronze_table_path ~ '`'
            ) -%}
        {%- endfor -%}
        {%- for statement in statements -%}
            {%- do run_query(statement) -%}
        {%- endfor -%}
    {%- endif -%}
    select 1
{%- endmacro %}
