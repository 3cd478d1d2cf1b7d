-- One row per logged prediction (a batch request: one per row), typed, in UTC, with its keys.
with

predictions as (
    select * from {{ ref('base_serving__predictions') }}
),

final as (
    select
        -- ids
        request_id,
        row_number,
        request_id || ':' || cast(row_number as {{ dbt.type_string() }}) as prediction_id,
        -- timestamps
        cast(requested_at as timestamp) as requested_at,  -- the session is in UTC
        {{ dbt.date_trunc('hour', 'cast(requested_at as timestamp)') }} as requested_hour_at,
        -- request
        endpoint,
        use_case,
        status_code,
        status_code >= 400 as is_error,
        model_name,
        model_version,
        {{ json_text('keys', 'zone_id') }} as zone_id,
        cast({{ json_text('keys', 'hour_at') }} as timestamp) as hour_at,
        keys,
        features,
        prediction,
        -- measures
        latency_ms,
        -- audit
        _ingested_at,
        _batch_id
    from predictions
)

select * from final
