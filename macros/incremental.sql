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
