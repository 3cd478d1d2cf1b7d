-- The features the prediction API serves: for every zone, the demand features of its last
-- `serving_feature_hours` hours and of the next hour (`requests` still null), with the inputs
-- of the surge model that a dispatch system does not send (the previous hour's requests and
-- cancellations, the zone's geometry). Published as a Parquet snapshot by
-- ml_online_feature_snapshot; the same rows as ml_demand_features for the same keys.
with

demand_features as (
    select * from {{ ref('ml_demand_features') }}
),

demand as (
    select * from {{ ref('agg_zone_hourly_demand') }}
),

zones as (
    select * from {{ ref('dim_zone') }}
),

newest as (
    select max(hour_at) as newest_hour_at
    from demand_features
),

recent as (
    select demand_features.*
    from demand_features
    cross join newest
    where
        demand_features.hour_at
        > {{ dbt.dateadd('hour', -var('serving_feature_hours'), 'newest.newest_hour_at') }}
),

final as (
    select
        -- keys
        recent.zone_key,
        recent.zone_id,
        recent.hour_at,
        -- demand features
        recent.requests_lag_1h,
        recent.requests_lag_24h,
        recent.requests_lag_168h,
        recent.requests_mean_24h,
        recent.requests_mean_168h,
        recent.hour_of_day,
        recent.day_of_week,
        recent.is_weekend,
        recent.is_holiday,
        -- surge inputs known before the hour
        recent.requests_lag_1h as requests_prev_hour,
        coalesce(previous.cancellations, 0) as cancellations_prev_hour,
        zones.area_km2 as zone_area_km2,
        zones.centroid_lat as zone_centroid_lat,
        zones.centroid_lon as zone_centroid_lon
    from recent
    inner join zones on recent.zone_key = zones.zone_key
    left join demand as previous
        on
            recent.zone_key = previous.zone_key
            and previous.hour_at = {{ dbt.dateadd('hour', -1, 'recent.hour_at') }}
)

select * from final
