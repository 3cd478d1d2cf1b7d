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
