-- The API's demand forecasts against the requests that came, once the hour's actual demand is
-- in agg_zone_hourly_demand: per forecast hour and model version, MAE and the rows compared.
with

predictions as (
    select * from {{ ref('stg_serving__predictions') }}
    where use_case = 'demand' and not is_error
),

demand as (
    select * from {{ ref('agg_zone_hourly_demand') }}
),

compared as (
    select
        predictions.hour_at,
        predictions.model_name,
        predictions.model_version,
        cast(predictions.prediction as double) as predicted_requests,
        demand.requests as actual_requests
    from predictions
    inner join demand
        on
            predictions.zone_id = demand.zone_id
            and predictions.hour_at = demand.hour_at
),

final as (
    select
        -- keys
        hour_at,
        model_name,
        model_version,
        -- measures
        count(*) as rows_with_actuals,
        avg(abs(predicted_requests - actual_requests)) as mae
    from compared
    group by hour_at, model_name, model_version
)

select * from final
