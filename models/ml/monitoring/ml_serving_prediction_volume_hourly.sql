-- Per hour, use case and model version: how many rows the prediction API predicted (a batch
-- counts its rows) and how many it refused.
with

predictions as (
    select * from {{ ref('stg_serving__predictions') }}
),

final as (
    select
        -- keys
        requested_hour_at,
        use_case,
        coalesce(model_name, '') as model_name,
        coalesce(model_version, 0) as model_version,
        -- measures
        count(case when not is_error then 1 end) as predictions,
        count(case when is_error then 1 end) as refused,
        count(distinct case when not is_error then zone_id end) as zones
    from predictions
    group by requested_hour_at, use_case, model_name, model_version
)

select * from final
