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

{#-
    Filter for an incremental fact: on incremental runs, only source rows that arrived
    (`arrival_column`) within `late_event_lookback_hours` of the newest arrival the fact has
    already absorbed. Rows inside the window are recomputed and replace their old versions
    (unique_key), so a re-run changes nothing and late or corrected rows are absorbed.
-#}
{% macro arrived_since_last_run(arrival_column, fact_arrival_column='last_ingested_at') -%}
    {%- if is_incremental() -%}
        {{ arrival_column }} > (
            select {{ dbt.dateadd(
                'hour', -var('late_event_lookback_hours'), 'max(' ~ fact_arrival_column ~ ')'
            ) }}
            from {{ this }}
        )
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{#-
    Post-hook of an incremental fact: delete the rows whose key is no longer in Silver (a
    re-sent record now rejected, say), which the arrival window alone would never revisit. So
    the fact follows Silver without a full refresh. Nothing to do where the fact is rebuilt.
-#}
{% macro remove_rows_gone_from(silver, key) -%}
    {%- if is_incremental() -%}
        {{ adapter.dispatch('remove_rows_gone_from', 'mobility_lakehouse')(silver, key) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__remove_rows_gone_from(silver, key) -%}
    delete from {{ this }}
    where {{ key }} not in (select silver.{{ key }} from {{ silver }} as silver)
{%- endmacro %}

{#-
    Delta Lake's DELETE takes no subquery: a MERGE deletes the keys gone from Silver. Its source
    is those keys (an anti-join), so a run with none gone commits nothing; `when not matched by
    source then delete` would rewrite every file of the fact on every run.
-#}
{% macro spark__remove_rows_gone_from(silver, key) -%}
    merge into {{ this }} as fact
    using (
        select kept.{{ key }}
        from {{ this }} as kept
        left anti join {{ silver }} as silver on kept.{{ key }} = silver.{{ key }}
    ) as gone
        on fact.{{ key }} = gone.{{ key }}
    when matched then delete
{%- endmacro %}
