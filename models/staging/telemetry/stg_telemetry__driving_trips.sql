-- One row per simulated trip, with the driving profile: a training label, never a feature.
with

versions as (
    select * from {{ ref('stg_telemetry__driving_trip_versions') }}
),

final as (
    select
        trip_id,
        vehicle_id,
        driver_id,
        driving_profile,
        started_at,
        {{ audit_columns() }}
    from versions
    where not is_superseded and rejection_reason is null
)

select * from final
