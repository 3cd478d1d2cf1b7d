-- Per hour, endpoint and model version: how many requests the prediction API answered, their
-- latency percentiles (a batch request counted once) and the share that failed.
with

predictions as (
    select * from {{ ref('stg_serving__predictions') }}
),

requests as (
    select
        request_id,
        requested_hour_at,
        endpoint,
        coalesce(model_name, '') as model_name,
        coalesce(model_version, 0) as model_version,
        max(latency_ms) as latency_ms,
        max(case when is_error then 1 else 0 end) as is_error
    from predictions
    group by request_id, requested_hour_at, endpoint, model_name, model_version
),

final as (
    select
        -- keys
        requested_hour_at,
        endpoint,
        model_name,
        model_version,
        -- measures
        count(*) as requests,
        {{ percentile('latency_ms', 0.5) }} as latency_p50_ms,
        {{ percentile('latency_ms', 0.95) }} as latency_p95_ms,
        {{ percentile('latency_ms', 0.99) }} as latency_p99_ms,
        avg(is_error) as error_rate
    from requests
    group by requested_hour_at, endpoint, model_name, model_version
)

select * from final
